#include "api/submit_request.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include "core/time_format.h"
#include "core/trace_context.h"
#include "runtime/submit_validator.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;
using Error = std::optional<ApiError>;

constexpr std::string_view kTimeRule = "must be an RFC 3339 time such as 2026-02-01T15:00:00Z";

ApiError Invalid(std::string_view prefix, std::string_view field, std::string_view rule) {
  std::string detail;
  detail.reserve(prefix.size() + field.size() + rule.size() + 1);
  detail.append(prefix).append(field).append(" ").append(rule);
  return {ErrorKind::kInvalidField, std::move(detail)};
}

// A member that is absent or null counts as not given.
const json::value* Given(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

// The number as an int, if it is an integer (3.0 counts) that an int holds; a larger one is
// beyond every range the validator accepts, so it is a type error here.
std::optional<int> AsInt(const json::value& v) {
  std::optional<int64_t> n;
  if (v.is_int64()) n = v.get_int64();
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) n = static_cast<int64_t>(d);
  }
  if (!n || *n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max())
    return std::nullopt;
  return static_cast<int>(*n);
}

// Each reader checks the JSON type only; a wrong type is reported with the field's rule as the
// validator words it (runtime/submit_validator.h), which also judges the value.
Error ReadInt(const json::object& o, std::string_view key, SubmitField field,
              std::string_view prefix, std::optional<int>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  *out = AsInt(*v);
  if (!*out) return Invalid(prefix, key, SubmitRule(field));
  return std::nullopt;
}

Error ReadString(const json::object& o, std::string_view key, SubmitField field,
                 std::string_view prefix, std::optional<std::string>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return Invalid(prefix, key, SubmitRule(field));
  *out = std::string(v->get_string());
  return std::nullopt;
}

Error ReadTime(const json::object& o, std::string_view key, std::string_view prefix,
               std::optional<TimeMs>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  if (v->is_string()) *out = ParseRfc3339(v->get_string());
  if (!*out) return Invalid(prefix, key, kTimeRule);
  return std::nullopt;
}

// run_at, or its alias scheduled_at (seed clients); giving both is ambiguous.
Error ReadRunAt(const json::object& o, std::string_view prefix, std::optional<TimeMs>* out) {
  if (Given(o, "run_at") && Given(o, "scheduled_at")) {
    return Invalid(prefix, "run_at", "and scheduled_at mean the same; give only one of them");
  }
  return Given(o, "scheduled_at") ? ReadTime(o, "scheduled_at", prefix, out)
                                  : ReadTime(o, "run_at", prefix, out);
}

// delay (seconds from now, Celery's countdown): any JSON number here; the validator judges its
// range and refuses it beside run_at.
Error ReadDelay(const json::object& o, std::string_view prefix, std::optional<double>* out) {
  const json::value* v = Given(o, "delay");
  if (!v) return std::nullopt;
  if (!v->is_number()) return Invalid(prefix, "delay", SubmitRule(SubmitField::kDelay));
  *out = v->to_number<double>();
  return std::nullopt;
}

Error ReadQueue(const json::object& o, std::string_view prefix, std::string* out) {
  std::optional<std::string> queue;
  if (auto e = ReadString(o, "queue", SubmitField::kQueue, prefix, &queue)) return e;
  if (queue) *out = std::move(*queue);
  return std::nullopt;
}

// tags (`list` kTags, items kTag) or depends_on (kDependsOn, kDependency): arrays of strings.
Error ReadList(const json::object& o, std::string_view key, SubmitField list, SubmitField item,
               std::string_view prefix, std::vector<std::string>* out) {
  const json::value* v = Given(o, key);
  if (!v) return std::nullopt;
  if (!v->is_array()) return Invalid(prefix, key, SubmitRule(list));
  const auto& items = v->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const auto* s = items[i].if_string();
    if (!s) {
      return Invalid(prefix, std::string(key) + "[" + std::to_string(i) + "]", SubmitRule(item));
    }
    out->emplace_back(*s);
  }
  return std::nullopt;
}

// Takes `key` out of `o` as a JSON object; absent or null gives an empty object.
Error TakeObject(json::object& o, std::string_view key, std::string_view prefix, json::value* out) {
  json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) return Invalid(prefix, key, "must be a JSON object");
  *out = json::value(std::move(*v));  // same storage: moves, does not copy
  return std::nullopt;
}

// An empty name names no type, so it is no shape at all; the name's rule is the validator's.
Error ReadName(const json::object& o, std::string_view key, std::string_view prefix,
               std::string* out) {
  const json::value* v = o.if_contains(key);
  if (!v->is_string() || v->get_string().empty()) {
    return Invalid(prefix, key, "must be a non-empty string naming the job type");
  }
  *out = std::string(v->get_string());
  return std::nullopt;
}

// The four body shapes differ only in where the type, the payload and the key come from.
struct Shape {
  std::string type;
  std::string type_field = "type";  // the member that named it
  json::value payload;
  std::optional<std::string> doc_id;
};

// {doc_id, payload, webhook_url} becomes the document.pipeline payload as it is, webhook_url
// included: the pipeline's deliver step is this job's notification. Taking webhook_url out of `o`
// keeps it off the job's webhook_url, so no generic terminal-state webhook POSTs a second body.
// doc_id becomes the idempotency key, so its rule is the key's.
Error ReadDocumentShape(json::object& o, std::string_view prefix, Shape* shape) {
  constexpr SubmitField kDocId = SubmitField::kIdempotencyKey;
  if (auto e = ReadString(o, "doc_id", kDocId, prefix, &shape->doc_id)) return e;
  if (!shape->doc_id) return Invalid(prefix, "doc_id", SubmitRule(kDocId));
  std::optional<std::string> url;
  if (auto e = ReadString(o, "webhook_url", SubmitField::kWebhookUrl, prefix, &url)) return e;
  json::value* document = o.if_contains("payload");
  if (!document || document->is_null()) {
    return Invalid(prefix, "payload", "is required: the document to process (any JSON value)");
  }
  shape->type = "document.pipeline";
  json::object& pipeline = shape->payload.get_object();
  pipeline.emplace("doc_id", *shape->doc_id);
  pipeline.emplace("payload", std::move(*document));  // same storage: moves, does not copy
  if (url) pipeline.emplace("webhook_url", *url);
  o.erase("webhook_url");
  return std::nullopt;
}

Error ReadShape(json::object& o, std::string_view prefix, Shape* shape) {
  shape->payload = json::object(o.storage());
  if (o.contains("type")) {
    if (auto e = ReadName(o, "type", prefix, &shape->type)) return e;
    return TakeObject(o, "payload", prefix, &shape->payload);
  }
  if (o.contains("task")) {
    shape->type_field = "task";
    if (auto e = ReadName(o, "task", prefix, &shape->type)) return e;
    return TakeObject(o, "params", prefix, &shape->payload);
  }
  if (o.contains("operation")) {
    shape->type_field = "operation";
    if (auto e = ReadName(o, "operation", prefix, &shape->type)) return e;
    if (json::value* data = o.if_contains("data")) {
      shape->payload.get_object().emplace("data", std::move(*data));
    }
    return std::nullopt;
  }
  if (o.contains("doc_id")) return ReadDocumentShape(o, prefix, shape);
  return ApiError{ErrorKind::kInvalidField,
                  std::string(prefix) +
                      "type is required: name the job type in \"type\" (or use one of the "
                      "shapes {\"task\", \"params\"}, {\"operation\", \"data\"}, "
                      "{\"doc_id\", \"payload\"})"};
}

// The key comes from the idempotency_key field (or doc_id) and/or the header. When both are
// given and differ the header's wins, as in the IETF draft, and a warning says so.
Error ResolveIdempotencyKey(const json::object& o, const Shape& shape, const SubmitHeaders& headers,
                            std::string_view prefix, JobSpec* spec,
                            std::vector<std::string>* warnings) {
  std::optional<std::string>* out = &spec->idempotency_key;
  if (auto e = ReadString(o, "idempotency_key", SubmitField::kIdempotencyKey, prefix, out))
    return e;
  if (!*out && shape.doc_id) {
    *out = shape.doc_id;
    spec->origin.key = SpecOrigin::Key::kDocId;
  }
  if (headers.idempotency_key.empty()) return std::nullopt;
  if (*out && **out != headers.idempotency_key && warnings) {
    warnings->push_back(
        "the body's idempotency_key differs from the Idempotency-Key header; the header's key "
        "was used");
  }
  // The same key in the body and the header is the body's; messages name where it was written.
  if (!*out || **out != headers.idempotency_key) spec->origin.key = SpecOrigin::Key::kHeader;
  *out = std::string(headers.idempotency_key);
  return std::nullopt;
}

// Seed 003's plans: each routes the job to its preset queue (queue:free weight 1, queue:pro 5,
// queue:business 7, queue:enterprise 10; store/queue_types.h), in any body shape.
Error ReadPlan(const json::object& o, std::string_view prefix, std::string* queue) {
  static constexpr std::string_view kPlans[] = {"free", "pro", "business", "enterprise"};
  const json::value* v = Given(o, "plan");
  if (!v) return std::nullopt;
  const json::string* plan = v->if_string();
  for (const std::string_view name : kPlans) {
    if (!plan || *plan != name) continue;
    const std::string routed = "queue:" + std::string(name);
    if (Given(o, "queue") && *queue != routed) {
      return Invalid(prefix, "plan",
                     "routes the job to queue '" + routed + "' but queue names '" + *queue +
                         "'; give one of them");
    }
    *queue = routed;
    return std::nullopt;
  }
  return Invalid(prefix, "plan",
                 "must be one of free, pro, business, enterprise (it routes the job to the "
                 "queue queue:<plan>)");
}

Dialect DialectOf(const Shape& shape, const SubmitHeaders& headers) {
  if (headers.dialect) return *headers.dialect;
  if (shape.type_field == "operation") return ForRoute(Dialect::kSuccess, headers.under_api_prefix);
  if (shape.type_field == "task") return Dialect::kQueued;
  if (shape.doc_id) return Dialect::kSucceeded;
  return ForRoute(headers.default_dialect, headers.under_api_prefix);
}

// Priorities come in the dialect's count and are kept in the store's (PriorityFor).
Error ReadOptions(const json::object& o, std::string_view prefix, JobSpec* spec) {
  std::optional<int> priority;
  if (auto e = ReadQueue(o, prefix, &spec->queue)) return e;
  if (auto e = ReadInt(o, "priority", SubmitField::kPriority, prefix, &priority)) return e;
  if (auto e = ReadPlan(o, prefix, &spec->queue)) return e;
  spec->origin.queue_named = Given(o, "queue") || Given(o, "plan");
  // Out of range stays as sent, so the validator's message names the client's number. No
  // priority is the default, 5, as the dialect's clients count.
  const int given = priority.value_or(kDefaultPriority);
  const bool in_range = given >= kMinPriority && given <= kMaxPriority;
  spec->priority = in_range ? PriorityFor(spec->dialect, given) : given;
  if (auto e = ReadInt(o, "max_attempts", SubmitField::kMaxAttempts, prefix, &spec->max_attempts))
    return e;
  if (auto e = ReadRunAt(o, prefix, &spec->run_at)) return e;
  if (auto e = ReadDelay(o, prefix, &spec->delay_s)) return e;
  if (auto e = ReadTime(o, "expires_at", prefix, &spec->expires_at)) return e;
  if (auto e = ReadInt(o, "timeout_s", SubmitField::kTimeoutS, prefix, &spec->timeout_s)) return e;
  if (auto e = ReadString(o, "webhook_url", SubmitField::kWebhookUrl, prefix, &spec->webhook_url))
    return e;
  if (auto e = ReadList(o, "tags", SubmitField::kTags, SubmitField::kTag, prefix, &spec->tags))
    return e;
  return ReadList(o, "depends_on", SubmitField::kDependsOn, SubmitField::kDependency, prefix,
                  &spec->depends_on);
}

// Parses `body` with one monotonic resource: the whole DOM is a few large blocks, and payloads
// moved into specs keep the resource alive through its shared storage pointer.
Error ParseJson(std::string_view body, json::value* out) {
  if (body.empty()) {
    return ApiError{ErrorKind::kMalformed, "the request body is empty; send a JSON object"};
  }
  unsigned char temp[4096];
  json::parser parser(json::make_shared_resource<json::monotonic_resource>(), {}, temp);
  json::error_code ec;
  const size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) {
    return ApiError{ErrorKind::kMalformed, "the request body is not valid JSON (" + ec.message() +
                                               " near byte " + std::to_string(consumed) + ")"};
  }
  *out = parser.release();
  return std::nullopt;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view media = content_type.substr(0, semi);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  }
  return true;
}

std::optional<ApiError> NormalizeSpec(json::object& o, const SubmitHeaders& headers,
                                      std::string_view prefix, std::vector<JobSpec>* out,
                                      std::vector<std::string>* warnings) {
  Shape shape{.payload = json::value(o.storage())};  // payloads stay in the parse's resource
  if (auto e = ReadShape(o, prefix, &shape)) return e;
  JobSpec spec{.type = std::move(shape.type),
               .payload = std::move(shape.payload),
               .dialect = DialectOf(shape, headers)};
  spec.origin.type_field = std::move(shape.type_field);
  spec.origin.document_shape = shape.doc_id.has_value();
  if (auto e = ReadOptions(o, prefix, &spec)) return e;
  if (auto e = ResolveIdempotencyKey(o, shape, headers, prefix, &spec, warnings)) return e;
  if (auto e = ReadString(o, "correlation_id", SubmitField::kCorrelationId, prefix,
                          &spec.correlation_id))
    return e;
  // The body's correlation_id wins over the header's.
  if (!spec.correlation_id && !headers.correlation_id.empty()) {
    spec.correlation_id = std::string(headers.correlation_id);
  }
  if (!headers.traceparent.empty()) spec.traceparent = std::string(headers.traceparent);
  if (!headers.tracestate.empty()) spec.tracestate = std::string(headers.tracestate);
  out->push_back(std::move(spec));
  return std::nullopt;
}

RequestTrace TraceOfRequest(std::string_view traceparent, size_t count,
                            std::string_view tracestate) {
  std::optional<std::string> given = count == 1 ? ParseTraceParent(traceparent) : std::nullopt;
  if (!given) return {};
  return {.traceparent = std::move(*given),
          .tracestate = IsValidTraceState(tracestate) ? std::string(tracestate) : std::string()};
}

std::optional<ApiError> ParseSubmitBody(std::string_view body, const SubmitHeaders& headers,
                                        std::vector<JobSpec>* out,
                                        std::vector<std::string>* warnings) {
  json::value root;
  if (auto e = ParseJson(body, &root)) return e;
  if (!root.is_object()) {
    return ApiError{ErrorKind::kInvalidField,
                    "the body must be a JSON object such as "
                    "{\"type\": \"noop\", \"payload\": {}}"};
  }
  return NormalizeSpec(root.get_object(), headers, "", out, warnings);
}

std::optional<ApiError> ParseBatchBody(std::string_view body, const SubmitHeaders& headers,
                                       std::vector<JobSpec>* out) {
  json::value root;
  if (auto e = ParseJson(body, &root)) return e;
  json::array* jobs = root.if_array();
  if (json::object* o = root.if_object()) {
    json::value* v = o->if_contains("jobs");
    jobs = v ? v->if_array() : nullptr;
  }
  if (!jobs) {
    return ApiError{ErrorKind::kInvalidField,
                    "the body must be {\"jobs\": [job, ...]} or a JSON array of jobs"};
  }
  SubmitHeaders batch_headers = headers;
  batch_headers.idempotency_key = {};
  out->reserve(jobs->size());
  for (size_t i = 0; i < jobs->size(); ++i) {
    const std::string prefix = "jobs[" + std::to_string(i) + "]";
    json::object* spec = (*jobs)[i].if_object();
    if (!spec) return ApiError{ErrorKind::kInvalidField, prefix + " must be a JSON object"};
    if (auto e = NormalizeSpec(*spec, batch_headers, prefix + ".", out)) return e;
    out->back().origin.batch_item = true;
  }
  return std::nullopt;
}

}  // namespace conveyor::api
