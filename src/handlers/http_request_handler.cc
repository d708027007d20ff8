#include "handlers/http_request_handler.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <string>

#include "core/trace_context.h"
#include "handlers/utf8_text.h"
#include "json/json_text.h"
#include "outbound/http_client.h"
#include "outbound/http_status.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> kMethods = {"GET",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "HEAD"};
constexpr double kDefaultTimeoutSeconds = 30;

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The policy speaks of "webhook_url" and "webhook address"; here the field is payload.url.
std::string RenameField(const std::string& message) {
  for (std::string_view prefix : {"webhook_url ", "webhook "}) {
    if (message.starts_with(prefix)) return "payload.url " + message.substr(prefix.size());
  }
  return "payload.url: " + message;
}

Status ValidateUrl(const json::object& obj, const UrlPolicy& policy) {
  const json::value* url = obj.if_contains("url");
  if (url == nullptr) {
    return Invalid("payload.url is required: an http or https URL such as https://example.com/api");
  }
  if (!url->is_string()) return Invalid("payload.url must be an http or https URL (a string)");
  Status s = CheckWebhookUrl(std::string_view(url->get_string()), policy);
  return s.ok() ? s : Invalid(RenameField(s.message()));
}

Status ValidateMethod(const json::object& obj) {
  const json::value* m = obj.if_contains("method");
  if (m == nullptr) return Status::Ok();
  if (m->is_string() &&
      std::find(kMethods.begin(), kMethods.end(), Upper(m->get_string())) != kMethods.end()) {
    return Status::Ok();
  }
  return Invalid("payload.method must be one of GET, POST, PUT, PATCH, DELETE, HEAD");
}

Status ValidateHeaders(const json::object& obj) {
  const json::value* h = obj.if_contains("headers");
  if (h == nullptr) return Status::Ok();
  if (!h->is_object()) {
    return Invalid(
        R"(payload.headers must be an object of strings, e.g. {"Accept": "text/plain"})");
  }
  for (const auto& [name, value] : h->get_object()) {
    std::string field = "payload.headers." + std::string(name);
    if (!value.is_string()) return Invalid(field + " must be a string");
    Status s = CheckHttpHeader(name, value.get_string());
    if (!s.ok()) return Invalid(field + ": " + s.message());
  }
  return Status::Ok();
}

// An optional number in (0, max]; `what` describes it for the message.
Status ValidateRange(const json::object& obj, std::string_view key, double max,
                     std::string_view what) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return Status::Ok();
  const double x = v->is_number() ? v->to_number<double>() : NAN;
  if (std::isfinite(x) && x > 0 && x <= max) return Status::Ok();
  return Invalid("payload." + std::string(key) + " must be " + std::string(what));
}

Status ValidateNumbers(const json::object& obj) {
  if (Status s = ValidateRange(obj, "timeout_s", kMaxHttpTimeoutSeconds,
                               "a number of seconds above 0 and at most 3600");
      !s.ok()) {
    return s;
  }
  const json::value* m = obj.if_contains("max_response_bytes");
  if (m != nullptr && !m->is_int64() && !m->is_uint64()) {
    return Invalid("payload.max_response_bytes must be a whole number from 1 to 16777216");
  }
  return ValidateRange(obj, "max_response_bytes", kMaxHttpResponseBytes,
                       "a whole number from 1 to 16777216");
}

bool HasHeader(const HttpRequestSpec& spec, std::string_view lower_name) {
  return std::any_of(spec.headers.begin(), spec.headers.end(),
                     [&](const auto& h) { return Lower(h.first) == lower_name; });
}

// payload.body: a string is sent as is; any other JSON value is serialised and, unless the
// caller set a Content-Type, labelled application/json.
void SetBody(const json::object& obj, HttpRequestSpec& spec) {
  const json::value* body = obj.if_contains("body");
  if (body == nullptr) return;
  if (body->is_string()) {
    spec.body = std::string(body->get_string());
    return;
  }
  spec.body = ToJsonText(*body);
  if (!HasHeader(spec, "content-type"))
    spec.headers.emplace_back("Content-Type", "application/json");
}

// From a payload ValidatePayload accepted.
HttpRequestSpec BuildSpec(const json::object& obj) {
  HttpRequestSpec spec;
  spec.url = std::string(obj.at("url").get_string());
  if (const json::value* m = obj.if_contains("method")) spec.method = Upper(m->get_string());
  if (const json::value* h = obj.if_contains("headers")) {
    for (const auto& [name, value] : h->get_object()) {
      spec.headers.emplace_back(std::string(name), std::string(value.get_string()));
    }
  }
  SetBody(obj, spec);
  const json::value* t = obj.if_contains("timeout_s");
  spec.timeout_ms = static_cast<int>(
      std::ceil((t != nullptr ? t->to_number<double>() : kDefaultTimeoutSeconds) * 1000));
  if (const json::value* m = obj.if_contains("max_response_bytes")) {
    spec.max_response_bytes = m->to_number<size_t>();
  }
  return spec;
}

// Header names lower-cased; repeated headers joined with ", " (RFC 9110 §5.3).
json::object HeadersJson(const HttpResponseData& r) {
  json::object out;
  for (const auto& [name, value] : r.headers) {
    std::string key = Lower(name);
    if (json::value* seen = out.if_contains(key)) {
      seen->get_string().append(", " + ValidUtf8(value));
    } else {
      out[key] = ValidUtf8(value);
    }
  }
  return out;
}

// The job's W3C trace with a span for this call. It replaces a traceparent or tracestate in
// payload.headers: those name another trace, and the job's call belongs to the job's.
void SetTraceHeaders(const Job& job, HttpRequestSpec& spec) {
  const std::string traceparent = JobTraceParent(job.traceparent, job.id);
  if (traceparent.empty()) return;
  std::erase_if(spec.headers, [](const auto& h) {
    const std::string name = Lower(h.first);
    return name == "traceparent" || name == "tracestate";
  });
  spec.headers.emplace_back("traceparent", ChildTraceParent(traceparent));
  if (job.tracestate) spec.headers.emplace_back("tracestate", *job.tracestate);
}

}  // namespace

Status HttpRequestHandler::ValidatePayload(const json::value& payload) const {
  if (!payload.is_object()) {
    return Invalid(R"(payload must be a JSON object, e.g. {"url": "https://example.com/api"})");
  }
  const json::object& obj = payload.get_object();
  if (Status s = ValidateUrl(obj, policy_); !s.ok()) return s;
  if (Status s = ValidateMethod(obj); !s.ok()) return s;
  if (Status s = ValidateHeaders(obj); !s.ok()) return s;
  return ValidateNumbers(obj);
}

// The node's URL policy (private addresses, ports) is checked at submit and not expressible here.
std::string_view HttpRequestHandler::PayloadSchema() const {
  return R"({"type":"object","required":["url"],"properties":{)"
         R"("url":{"type":"string","pattern":"^[Hh][Tt][Tt][Pp][Ss]?://","examples":["https://example.com/api"]},)"
         R"("method":{"type":"string","pattern":"^([Gg][Ee][Tt]|[Pp][Oo][Ss][Tt]|[Pp][Uu][Tt]|)"
         R"([Pp][Aa][Tt][Cc][Hh]|[Dd][Ee][Ll][Ee][Tt][Ee]|[Hh][Ee][Aa][Dd])$"},)"
         R"("headers":{"type":"object","additionalProperties":{"type":"string"}},)"
         R"("body":{"description":"a string is sent as is; any other JSON value as JSON"},)"
         R"("timeout_s":{"type":"number","exclusiveMinimum":0,"maximum":3600},)"
         R"("max_response_bytes":{"type":"integer","minimum":1,"maximum":16777216}}})";
}

Result<std::string> HttpRequestHandler::Run(JobContext& ctx) {
  json::error_code ec;
  json::value payload = json::parse(ctx.job().payload, ec);
  if (ec) return Invalid("payload is not valid JSON: " + ec.message());
  if (Status s = ValidatePayload(payload); !s.ok()) return s;
  HttpRequestSpec spec = BuildSpec(payload.get_object());
  SetTraceHeaders(ctx.job(), spec);
  Result<HttpResponseData> r =
      PerformHttpRequest(spec, policy_, [&ctx] { return ctx.Cancelled(); });
  if (!r.ok() && r.status().code() == StatusCode::kFailedPrecondition) {
    return Status::FailedPrecondition(RenameField(r.status().message()));  // a policy refusal
  }
  if (!r.ok()) return r.status();
  if (IsRetryableHttpStatus(r->status)) {
    return Status::Unavailable("http.request got " + std::to_string(r->status) + " from " +
                               spec.url);
  }
  return ToJsonText(json::object{{"status", r->status},
                                      {"headers", HeadersJson(*r)},
                                      {"body", ValidUtf8(r->body)},
                                      {"truncated", r->truncated}});
}

}  // namespace conveyor
