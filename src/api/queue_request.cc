#include "api/queue_request.h"

#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "core/duration_text.h"
#include "runtime/job_spec.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxRateStarts = 1'000'000'000;
constexpr TimeMs kMaxRatePeriodMs = 7LL * 24 * 3600 * 1000;

ApiError Invalid(std::string_view field, std::string_view rule) {
  return {ErrorKind::kInvalidField, std::string(field) + " " + std::string(rule)};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<TimeMs> UnitMs(std::string_view unit) {
  static constexpr std::pair<std::string_view, TimeMs> kUnits[] = {
      {"ms", 1},         {"s", 1000},        {"sec", 1000},       {"second", 1000},
      {"seconds", 1000}, {"m", 60000},       {"min", 60000},      {"minute", 60000},
      {"minutes", 60000}, {"h", 3600000},    {"hour", 3600000},   {"hours", 3600000},
      {"d", 86400000},   {"day", 86400000},  {"days", 86400000}};
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) return ms;
  }
  return std::nullopt;
}

bool ParseCount(std::string_view text, int64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

constexpr std::string_view kRateRule =
    "must be a rate such as \"100/minute\", \"10/second\", \"1000/hour\" or \"3/10s\" (at least 1 "
    "start per period, a period of 1 ms to 7 days), or null to remove it";

// weight, concurrency_limit, max_attempts, timeout_s: integers in [lo, hi], or null when allowed.
QueueError ReadInt(const json::object& o, std::string_view key, int lo, int hi, bool nullable,
                   std::optional<std::optional<int>>* out) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_null() && nullable) {
    *out = std::optional<int>();
    return std::nullopt;
  }
  const std::string rule = "must be an integer from " + std::to_string(lo) + " to " +
                           std::to_string(hi) + (nullable ? ", or null to clear it" : "");
  if (!v->is_int64()) return Invalid(key, rule);
  const int64_t n = v->as_int64();
  if (n < lo || n > hi) return Invalid(key, rule);
  *out = std::optional<int>(static_cast<int>(n));
  return std::nullopt;
}

QueueError ReadAge(const json::value& v, std::string_view state,
                   std::optional<std::optional<TimeMs>>* out) {
  if (v.is_null()) {
    *out = std::optional<TimeMs>();
    return std::nullopt;
  }
  const std::optional<TimeMs> ms = v.is_string() ? ParseDurationMs(v.as_string()) : std::nullopt;
  if (!ms) {
    return Invalid("retention." + std::string(state),
                   "must be " + DurationRule() + " (0: keep for ever), or null for the "
                   "server's --retain-" + std::string(state));
  }
  *out = ms;
  return std::nullopt;
}

QueueError ReadRetention(const json::value& v, QueueRetentionPatch* out) {
  constexpr std::string_view kRule =
      "must be an object of succeeded, failed, cancelled and expired ages, e.g. "
      "{\"succeeded\": \"3d\"}";
  if (!v.is_object()) return Invalid("retention", kRule);
  for (const auto& [key, age] : v.as_object()) {
    std::optional<std::optional<TimeMs>>* field = key == "succeeded"   ? &out->succeeded_ms
                                                  : key == "failed"    ? &out->failed_ms
                                                  : key == "cancelled" ? &out->cancelled_ms
                                                  : key == "expired"   ? &out->expired_ms
                                                                       : nullptr;
    if (field == nullptr) return Invalid("retention." + std::string(key), "is not a state; " +
                                         std::string(kRule));
    if (auto e = ReadAge(age, key, field)) return e;
  }
  return std::nullopt;
}

QueueError ParseObject(std::string_view body, json::object* out) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return ApiError{ErrorKind::kMalformed, "send a JSON object, e.g. {\"weight\": 5}"};
  }
  *out = std::move(v.as_object());
  return std::nullopt;
}

}  // namespace

std::optional<std::string> QueueNameParam(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size()) {
      const int hi = HexValue(raw[i + 1]);
      const int lo = HexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out.push_back(c);
  }
  if (out.empty() || out.size() > kMaxNameLength) return std::nullopt;
  return out;
}

std::string QueueNameRule() {
  return "a queue or type name in the path must be 1 to " + std::to_string(kMaxNameLength) +
         " bytes without control characters (percent-encode what a URL cannot hold)";
}

std::optional<RateLimit> ParseRate(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  int64_t starts = 0;
  if (!ParseCount(text.substr(0, slash), &starts) || starts < 1 || starts > kMaxRateStarts) {
    return std::nullopt;
  }
  std::string_view period = text.substr(slash + 1);
  size_t digits = 0;
  while (digits < period.size() && period[digits] >= '0' && period[digits] <= '9') ++digits;
  int64_t count = 1;
  if (digits > 0 && !ParseCount(period.substr(0, digits), &count)) return std::nullopt;
  const std::optional<TimeMs> unit = UnitMs(period.substr(digits));
  if (!unit || count < 1 || count > kMaxRatePeriodMs / *unit) return std::nullopt;
  const TimeMs ms = count * *unit;
  if (ms > kMaxRatePeriodMs) return std::nullopt;
  return RateLimit{.max_starts = starts, .period_ms = ms};
}

std::string RateText(const RateLimit& r) {
  static constexpr std::pair<TimeMs, std::string_view> kNames[] = {
      {86400000, "day"}, {3600000, "hour"}, {60000, "minute"}, {1000, "second"}};
  for (const auto& [ms, name] : kNames) {
    if (r.period_ms == ms) return std::to_string(r.max_starts) + "/" + std::string(name);
  }
  if (r.period_ms % 1000 == 0) {
    return std::to_string(r.max_starts) + "/" + std::to_string(r.period_ms / 1000) + "s";
  }
  return std::to_string(r.max_starts) + "/" + std::to_string(r.period_ms) + "ms";
}

std::string RetentionAgeText(TimeMs ms) {
  static constexpr std::pair<TimeMs, std::string_view> kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  if (ms == 0) return "0";
  for (const auto& [unit, name] : kUnits) {
    if (ms % unit == 0) return std::to_string(ms / unit) + std::string(name);
  }
  return std::to_string(ms) + "ms";
}

QueueError ParseQueuePatch(std::string_view name_raw, std::string_view body,
                           QueuePatchParams* out) {
  std::optional<std::string> name = QueueNameParam(name_raw);
  if (!name) return ApiError{ErrorKind::kMalformed, QueueNameRule()};
  out->name = std::move(*name);
  json::object o;
  if (auto e = ParseObject(body, &o)) return e;
  static constexpr std::string_view kFields[] = {"weight",     "concurrency_limit", "paused",
                                                 "max_attempts", "timeout_s",       "rate_limit",
                                                 "retention"};
  for (const auto& [key, value] : o) {
    bool known = false;
    for (std::string_view f : kFields) known = known || key == f;
    if (!known) {
      return Invalid(std::string(key), "is not a queue setting; the settings are weight, "
                                       "concurrency_limit, paused, max_attempts, timeout_s, "
                                       "rate_limit and retention");
    }
  }
  std::optional<std::optional<int>> weight;
  if (auto e = ReadInt(o, "weight", kMinQueueWeight, kMaxQueueWeight, false, &weight)) return e;
  if (weight) out->weight = **weight;
  if (auto e = ReadInt(o, "concurrency_limit", 1, 1'000'000, true, &out->concurrency_limit))
    return e;
  if (auto e = ReadInt(o, "max_attempts", kMinMaxAttempts, kMaxMaxAttempts, true,
                       &out->max_attempts))
    return e;
  if (auto e = ReadInt(o, "timeout_s", kMinTimeoutS, kMaxTimeoutS, true, &out->timeout_s))
    return e;
  if (const json::value* v = o.if_contains("paused")) {
    if (!v->is_bool()) return Invalid("paused", "must be true or false");
    out->paused = v->as_bool();
  }
  if (const json::value* v = o.if_contains("rate_limit")) {
    if (v->is_null()) {
      out->rate_limit = std::optional<RateLimit>();
    } else {
      std::optional<RateLimit> r = v->is_string() ? ParseRate(v->as_string()) : std::nullopt;
      if (!r) return Invalid("rate_limit", kRateRule);
      out->rate_limit = r;
    }
  }
  if (const json::value* v = o.if_contains("retention")) {
    if (auto e = ReadRetention(*v, &out->retention)) return e;
  }
  return std::nullopt;
}

QueueError ParseTypeRate(std::string_view type_raw, std::optional<std::string_view> body,
                         RateLimitSetParams* out) {
  std::optional<std::string> type = QueueNameParam(type_raw);
  if (!type) return ApiError{ErrorKind::kMalformed, QueueNameRule()};
  out->name = std::move(*type);
  if (!body) return std::nullopt;
  json::object o;
  if (auto e = ParseObject(*body, &o)) return e;
  const json::value* v = o.if_contains("rate");
  std::optional<RateLimit> r = v && v->is_string() ? ParseRate(v->as_string()) : std::nullopt;
  if (!r) return Invalid("rate", kRateRule);
  if (o.size() != 1) return Invalid("rate", "is the only field of a rate limit");
  out->limit = r;
  return std::nullopt;
}

}  // namespace conveyor::api
