#include "webhooks/retry_schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <random>
#include <string>

#include "outbound/http_status.h"

namespace conveyor {
namespace {

constexpr TimeMs kFloorMs = 10;

TimeMs CapMs(const WebhookRetryConfig& c) {
  return static_cast<TimeMs>(std::max(0.0, c.backoff_cap_s) * 1000);
}

std::optional<std::string_view> HeaderValue(const HttpResponseData& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

// Sets outcome and error for an HTTP answer.
void JudgeStatus(const HttpResponseData& r, DeliveryRecordParams* p) {
  const long code = r.status;
  p->status_code = static_cast<int>(code);
  if (code >= 200 && code < 300) {
    p->outcome = DeliveryOutcome::kDelivered;
  } else if (code == 410) {
    p->outcome = DeliveryOutcome::kFailed;
    p->error = "receiver answered 410 Gone: delivery stopped, the receiver wants no more";
  } else if (IsRetryableHttpStatus(code)) {
    p->outcome = DeliveryOutcome::kRetry;
    p->error = "receiver answered " + std::to_string(code);
  } else {
    p->outcome = DeliveryOutcome::kFailed;
    p->error = "receiver answered " + std::to_string(code) +
               ", which is not retried (only 2xx counts as delivered; redirects are not followed)";
  }
}

// Sets outcome and error for a transfer that got no HTTP answer.
void JudgeError(const Status& s, DeliveryRecordParams* p) {
  const bool transient =
      s.code() == StatusCode::kDeadlineExceeded || s.code() == StatusCode::kUnavailable;
  p->outcome = transient ? DeliveryOutcome::kRetry : DeliveryOutcome::kFailed;
  p->error = s.code() == StatusCode::kDeadlineExceeded ? "timed out: " + s.message() : s.message();
}

}  // namespace

TimeMs WebhookBackoffMs(const WebhookRetryConfig& c, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double seconds = std::pow(std::max(0.0, c.backoff_base_s), std::max(1, attempt));
  const double capped = std::min(seconds * 1000, static_cast<double>(CapMs(c)));
  const TimeMs hi = std::max<TimeMs>(kFloorMs, static_cast<TimeMs>(capped));
  std::uniform_int_distribution<TimeMs> dist(std::max<TimeMs>(kFloorMs, hi / 2), hi);
  return dist(rng);
}

std::optional<TimeMs> ParseRetryAfter(std::string_view value, TimeMs now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
    return std::min<int64_t>(seconds, int64_t{1} << 40) * 1000;
  }
  std::tm tm{};
  const std::string text(value);
  const char* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (rest == nullptr || *rest != '\0') return std::nullopt;
  const TimeMs at = static_cast<TimeMs>(timegm(&tm)) * 1000;
  return std::max<TimeMs>(0, at - now);
}

DeliveryRecordParams JudgeWebhookAttempt(const WebhookSendResult& result, int attempt, TimeMs now,
                                         const WebhookRetryConfig& config) {
  DeliveryRecordParams p{.now = now, .duration_ms = result.duration_ms};
  if (result.response.ok()) {
    JudgeStatus(*result.response, &p);
  } else {
    JudgeError(result.response.status(), &p);
  }
  if (p.outcome != DeliveryOutcome::kRetry) return p;
  if (attempt >= 1 + std::max(0, config.max_retries)) {
    p.outcome = DeliveryOutcome::kFailed;
    p.error = "gave up after " + std::to_string(attempt) + " attempts: " + p.error;
    return p;
  }
  std::optional<TimeMs> wait;
  if (result.response.ok()) {
    if (auto header = HeaderValue(*result.response, "Retry-After")) {
      wait = ParseRetryAfter(*header, now);
    }
  }
  const TimeMs delay = wait ? std::min(*wait, CapMs(config)) : WebhookBackoffMs(config, attempt);
  p.next_attempt_at = now + delay;
  return p;
}

}  // namespace conveyor
