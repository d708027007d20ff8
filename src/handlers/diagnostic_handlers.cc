#include "handlers/diagnostic_handlers.h"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <thread>

#include "json/json_text.h"

namespace conveyor {
namespace json = boost::json;

namespace {

// How often a sleeping job looks at its cancel flag: the latency of a cancel or a timeout.
constexpr auto kSleepSlice = std::chrono::milliseconds(20);

Result<json::value> ParsePayload(const Job& job) {
  json::error_code ec;
  json::value v = json::parse(job.payload, ec);
  if (ec) return Status::InvalidArgument("payload is not valid JSON: " + ec.message());
  return v;
}

Status RequireObject(const json::value& payload, std::string_view example) {
  if (payload.is_object()) return Status::Ok();
  return Status::InvalidArgument("payload must be a JSON object, e.g. " + std::string(example));
}

// payload.seconds, already validated.
double SleepSeconds(const json::value& payload) {
  return payload.at("seconds").to_number<double>();
}

// payload.times, or "always" when absent or null.
int64_t FailTimes(const json::object& obj) {
  const json::value* t = obj.if_contains("times");
  if (t == nullptr || t->is_null()) return std::numeric_limits<int64_t>::max();
  if (t->is_uint64()) {  // beyond int64: as good as "always"
    return static_cast<int64_t>(std::min<uint64_t>(t->get_uint64(), INT64_MAX));
  }
  return t->get_int64();
}

std::string FailMessage(const json::object& obj, int attempt, int64_t times) {
  if (const json::value* m = obj.if_contains("message"); m != nullptr && m->is_string())
    return std::string(m->get_string());
  std::string msg = "failing on purpose (attempt " + std::to_string(attempt);
  if (times != std::numeric_limits<int64_t>::max()) msg += " of " + std::to_string(times);
  return msg + ")";
}

}  // namespace

Status NoopHandler::ValidatePayload(const json::value& payload) const {
  return RequireObject(payload, "{}");
}

Result<std::string> NoopHandler::Run(JobContext&) {
  using namespace std::chrono;
  const auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  return "{\"started_at_us\":" + std::to_string(us) + "}";
}

Status SleepHandler::ValidatePayload(const json::value& payload) const {
  if (Status s = RequireObject(payload, R"({"seconds": 1.5})"); !s.ok()) return s;
  const json::value* sec = payload.get_object().if_contains("seconds");
  if (sec == nullptr)
    return Status::InvalidArgument("payload.seconds is required: a number of seconds, 0 to 3600");
  if (!sec->is_number())
    return Status::InvalidArgument("payload.seconds must be a number of seconds, 0 to 3600");
  const double x = sec->to_number<double>();
  if (!std::isfinite(x) || x < 0 || x > kMaxSleepSeconds)
    return Status::InvalidArgument("payload.seconds must be between 0 and 3600");
  return Status::Ok();
}

std::string_view SleepHandler::PayloadSchema() const {
  return R"({"type":"object","required":["seconds"],"properties":{"seconds":{"type":"number",)"
         R"("minimum":0,"maximum":3600,"examples":[1.5]}}})";
}

Result<std::string> SleepHandler::Run(JobContext& ctx) {
  Result<json::value> payload = ParsePayload(ctx.job());
  if (!payload.ok()) return payload.status();
  if (Status s = ValidatePayload(*payload); !s.ok()) return s;
  const double seconds = SleepSeconds(*payload);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto end = start + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(seconds));
  int reported = -1;
  while (clock::now() < end) {
    if (ctx.Cancelled()) return Status::Cancelled("sleep cancelled");
    const double done = std::chrono::duration<double>(clock::now() - start).count();
    const int percent = seconds > 0 ? static_cast<int>(done * 100 / seconds) : 100;
    if (percent != reported) {
      ctx.ReportProgress(std::min(percent, 100), "sleeping");
      reported = percent;
    }
    std::this_thread::sleep_for(std::min<clock::duration>(kSleepSlice, end - clock::now()));
  }
  return ToJsonText(json::object{{"slept_s", seconds}});
}

Status FailHandler::ValidatePayload(const json::value& payload) const {
  if (Status s = RequireObject(payload, R"({"times": 2})"); !s.ok()) return s;
  const json::object& obj = payload.get_object();
  if (const json::value* t = obj.if_contains("times"); t != nullptr && !t->is_null()) {
    const bool is_int = t->is_int64() || t->is_uint64();
    if (!is_int || (t->is_int64() && t->get_int64() < 0))
      return Status::InvalidArgument("payload.times must be a whole number ≥ 0");
  }
  if (const json::value* r = obj.if_contains("retryable"); r != nullptr && !r->is_bool())
    return Status::InvalidArgument("payload.retryable must be true or false");
  if (const json::value* m = obj.if_contains("message"); m != nullptr && !m->is_string())
    return Status::InvalidArgument("payload.message must be a string");
  return Status::Ok();
}

std::string_view FailHandler::PayloadSchema() const {
  return R"({"type":"object","properties":{)"
         R"("times":{"type":["integer","null"],"minimum":0,"description":"fail while attempt <= times; absent: always"},)"
         R"("retryable":{"type":"boolean"},"message":{"type":"string"}}})";
}

Result<std::string> FailHandler::Run(JobContext& ctx) {
  Result<json::value> payload = ParsePayload(ctx.job());
  if (!payload.ok()) return payload.status();
  if (Status s = ValidatePayload(*payload); !s.ok()) return s;
  const json::object& obj = payload->get_object();
  const int attempt = ctx.job().attempt;
  const int64_t times = FailTimes(obj);
  if (attempt > times) return "{\"attempts\":" + std::to_string(attempt) + "}";
  std::string msg = FailMessage(obj, attempt, times);
  const json::value* r = obj.if_contains("retryable");
  const bool retryable = r == nullptr || r->get_bool();
  // Unavailable is the runtime's "try again later"; InvalidArgument its "never retry".
  return retryable ? Status::Unavailable(std::move(msg)) : Status::InvalidArgument(std::move(msg));
}

}  // namespace conveyor
