#include "api/worker_routes_body.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <utility>

#include "api/submit_request.h"
#include "core/ids.h"
#include "json/json_text.h"
#include "runtime/job_spec.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;
using Error = std::optional<ApiError>;

constexpr size_t kMaxEchoedId = 64;
constexpr size_t kMaxFilterNames = 100;

ApiError Invalid(std::string_view field, std::string_view rule) {
  return {ErrorKind::kInvalidField, std::string(field) + " " + std::string(rule)};
}

// A member that is absent or null counts as not given.
const json::value* Given(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

Error ParseObject(std::string_view body, std::string_view example, json::object* out) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return ApiError{ErrorKind::kMalformed,
                    "the body must be a JSON object such as " + std::string(example)};
  }
  *out = std::move(v.as_object());
  return std::nullopt;
}

bool IsPrintable(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Error ReadToken(const json::object& o, std::string_view key, size_t max_len, std::string* out) {
  const json::value* v = Given(o, key);
  if (!v || !v->is_string() || v->get_string().empty() || v->get_string().size() > max_len ||
      !IsPrintable(v->get_string())) {
    return Invalid(key, "is required: a string of 1 to " + std::to_string(max_len) +
                            " printable characters without spaces");
  }
  out->assign(v->get_string());
  return std::nullopt;
}

Error ReadText(const json::object& o, std::string_view key, size_t max_len,
               std::optional<std::string>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string() || v->get_string().size() > max_len)
    return Invalid(key, "must be a string of at most " + std::to_string(max_len) + " characters");
  *out = std::string(v->get_string());
  return std::nullopt;
}

Error ReadNumber(const json::object& o, std::string_view key, double lo, double hi,
                 std::optional<double>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  const bool number = v->is_int64() || v->is_uint64() || v->is_double();
  const double d = number ? v->to_number<double>() : 0;
  if (!number || !std::isfinite(d) || d < lo || d > hi) {
    return Invalid(key, "must be a number from " + ToJsonText(json::value(lo)) + " to " +
                            ToJsonText(json::value(hi)));
  }
  *out = d;
  return std::nullopt;
}

Error ReadInt(const json::object& o, std::string_view key, int lo, int hi, int* out) {
  std::optional<double> d;
  if (auto e = ReadNumber(o, key, lo, hi, &d)) return e;
  if (!d) return std::nullopt;
  if (std::trunc(*d) != *d)
    return Invalid(key, "must be an integer from " + std::to_string(lo) + " to " +
                            std::to_string(hi));
  *out = static_cast<int>(*d);
  return std::nullopt;
}

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Error ReadNames(const json::object& o, std::string_view key, std::vector<std::string>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  const auto bad = [&] {
    return Invalid(key, "must be an array of at most 100 names (letters, digits and . _ : -)");
  };
  if (!v->is_array() || v->get_array().size() > kMaxFilterNames) return bad();
  for (const json::value& name : v->get_array()) {
    if (!name.is_string() || !IsName(name.get_string())) return bad();
    out->emplace_back(name.get_string());
  }
  return std::nullopt;
}

TimeMs SecondsToMs(double s) { return static_cast<TimeMs>(std::llround(s * 1000)); }

}  // namespace

std::optional<ApiError> ParseLeaseBody(std::string_view body, TimeMs default_lease_ms,
                                       LeaseBody* out) {
  json::object o;
  if (auto e = ParseObject(body, R"({"worker_id": "host-1/t0", "max": 10, "wait_s": 30})", &o))
    return e;
  LeaseRequest& r = out->request;
  if (auto e = ReadToken(o, "worker_id", kMaxWorkerIdLength, &r.worker_id)) return e;
  if (auto e = ReadNames(o, "queues", &r.queues)) return e;
  if (auto e = ReadNames(o, "types", &r.types)) return e;
  if (auto e = ReadInt(o, "max", 1, kMaxLeaseBatch, &r.max)) return e;
  std::optional<double> wait_s, lease_s;
  if (auto e = ReadNumber(o, "wait_s", 0, kMaxLeaseWaitS, &wait_s)) return e;
  if (auto e = ReadNumber(o, "lease_s", kMinLeaseS, kMaxLeaseS, &lease_s)) return e;
  out->wait_ms = wait_s ? SecondsToMs(*wait_s) : 0;
  r.lease_ms = lease_s ? SecondsToMs(*lease_s) : default_lease_ms;
  return std::nullopt;
}

std::optional<ApiError> ParseHeartbeatBody(std::string_view body, ExternalHeartbeat* out) {
  json::object o;
  if (auto e = ParseObject(body, R"({"lease_token": "...", "progress": 40})", &o)) return e;
  if (auto e = ReadToken(o, "lease_token", kMaxWorkerIdLength, &out->lease_token)) return e;
  std::optional<double> lease_s;
  if (auto e = ReadNumber(o, "lease_s", kMinLeaseS, kMaxLeaseS, &lease_s)) return e;
  if (lease_s) out->lease_ms = SecondsToMs(*lease_s);
  // Any number on 0..100: seed 003's clients report fractions (65.5).
  if (auto e = ReadNumber(o, "progress", 0, 100, &out->progress)) return e;
  return ReadText(o, "message", kMaxMessageLength, &out->message);
}

namespace {

Error ReadCompletion(const json::object& o, CompleteBody* out) {
  if (auto e = ReadToken(o, "lease_token", kMaxWorkerIdLength, &out->lease_token)) return e;
  if (const json::value* v = o.if_contains("result")) out->result_json = ToJsonText(*v);
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseCompleteBody(std::string_view body, CompleteBody* out) {
  json::object o;
  if (auto e = ParseObject(body, R"({"lease_token": "...", "result": {"rows": 10}})", &o))
    return e;
  return ReadCompletion(o, out);
}

namespace {

// One item of POST /completions; errors are prefixed with the item's place by the caller.
Error ReadCompletionItem(const json::value& item, JobCompletion* out) {
  if (!item.is_object()) return Invalid("", "must be an object {\"id\", \"lease_token\", \"result\"}");
  const json::value* id = Given(item.get_object(), "id");
  if (!id || !id->is_string() || !IsValidUuid(id->get_string()))
    return Invalid("id", "must be a job id (a UUID)");
  CompleteBody body;
  if (auto e = ReadCompletion(item.get_object(), &body)) return e;
  out->id.assign(id->get_string());
  out->lease_token = std::move(body.lease_token);
  out->result = std::move(body.result_json);
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseCompletionsBody(std::string_view body,
                                             std::vector<JobCompletion>* out) {
  json::object o;
  if (auto e = ParseObject(body, R"({"completions": [{"id": "...", "lease_token": "..."}]})", &o))
    return e;
  const json::value* list = Given(o, "completions");
  if (!list || !list->is_array() || list->get_array().empty() ||
      list->get_array().size() > kMaxCompletions)
    return Invalid("completions", "must be an array of 1 to 1000 completions");
  out->reserve(list->get_array().size());
  for (size_t i = 0; i < list->get_array().size(); ++i) {
    JobCompletion c;
    if (auto e = ReadCompletionItem(list->get_array()[i], &c)) {
      const std::string at = "completions[" + std::to_string(i) + "]";
      e->detail = e->detail.front() == ' ' ? at + e->detail : at + "." + e->detail;
      return e;
    }
    out->push_back(std::move(c));
  }
  return std::nullopt;
}

std::optional<ApiError> ParseFailBody(std::string_view body, ExternalFailure* out) {
  json::object o;
  if (auto e = ParseObject(body, R"({"lease_token": "...", "error": "timeout", "retryable": true})",
                           &o))
    return e;
  if (auto e = ReadToken(o, "lease_token", kMaxWorkerIdLength, &out->lease_token)) return e;
  std::optional<std::string> error;
  if (auto e = ReadText(o, "error", kMaxErrorLength, &error)) return e;
  out->error = error && !error->empty() ? *error : "the worker reported a failure";
  if (const json::value* v = Given(o, "retryable")) {
    if (!v->is_bool()) return Invalid("retryable", "must be true or false");
    out->retryable = v->get_bool();
  }
  std::optional<double> retry_in_s;
  if (auto e = ReadNumber(o, "retry_in_s", 0, kMaxRetryInS, &retry_in_s)) return e;
  if (retry_in_s) out->retry_in_ms = SecondsToMs(*retry_in_s);
  return std::nullopt;
}

bool RequireJsonBody(RequestContext& ctx) {
  const auto type = ctx.request[boost::beast::http::field::content_type];
  if (IsJsonContentType({type.data(), type.size()})) return true;
  ctx.Fail({ErrorKind::kUnsupportedMediaType,
            "send the body as JSON with the header Content-Type: application/json"});
  return false;
}

bool JobIdParam(RequestContext& ctx, std::string* id) {
  const std::string_view raw = ctx.params[0];
  if (IsValidUuid(raw)) {
    id->assign(raw);
    return true;
  }
  std::string detail = "job id must be a UUID such as 0192f0c1-8d3c-7abc-9def-0123456789ab; got \"";
  detail.append(raw.substr(0, kMaxEchoedId)).append(raw.size() > kMaxEchoedId ? "…\"" : "\"");
  ctx.Fail({ErrorKind::kMalformed, std::move(detail)});
  return false;
}

}  // namespace conveyor::api
