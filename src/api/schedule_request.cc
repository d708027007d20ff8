#include "api/schedule_request.h"

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/submit_request.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kFields = "name, cron, timezone, job, paused and catch_up";

ApiError Invalid(std::string detail) { return {ErrorKind::kInvalidField, std::move(detail)}; }

std::optional<ApiError> ParseObject(std::string_view body, json::value* root) {
  boost::system::error_code ec;
  *root = json::parse(body, ec);
  if (ec) return ApiError{ErrorKind::kMalformed, "the body is not valid JSON: " + ec.message()};
  if (!root->is_object()) {
    return Invalid(R"(the body must be a JSON object such as {"name": "nightly", "cron": )"
                   R"("0 3 * * *", "job": {"type": "noop"}})");
  }
  return std::nullopt;
}

std::optional<ApiError> ReadString(const json::object& o, std::string_view key,
                                   std::optional<std::string>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return Invalid(std::string(key) + " must be a string");
  out->emplace(v->get_string());
  return std::nullopt;
}

// The template: its JSON text (bounded) and its spec, read as POST /jobs reads a job.
std::optional<ApiError> ReadJob(const json::value& v, ScheduleJob* out) {
  if (!v.is_object()) {
    return Invalid(R"(job must be a JSON object such as {"type": "noop", "payload": {}})");
  }
  out->json = json::serialize(v);
  if (out->json.size() > kMaxScheduleJobBytes) {
    return Invalid("job must be at most " + std::to_string(kMaxScheduleJobBytes) +
                   " bytes of JSON (got " + std::to_string(out->json.size()) + ")");
  }
  Result<JobSpec> spec = ParseScheduleJob(out->json);
  if (!spec.ok()) return Invalid(spec.status().message());
  out->spec = *std::move(spec);
  return std::nullopt;
}

// Every field of `o` is one a schedule has; the rest, each read and checked for its type.
std::optional<ApiError> ReadFields(const json::object& o, std::optional<std::string>* name,
                                   ScheduleChanges* c) {
  for (const auto& kv : o) {
    const std::string_view k = kv.key();
    if (k != "name" && k != "cron" && k != "timezone" && k != "job" && k != "paused" &&
        k != "catch_up") {
      return Invalid("unknown field \"" + std::string(k.substr(0, 64)) + "\": a schedule has " +
                     std::string(kFields));
    }
  }
  if (auto e = ReadString(o, "name", name)) return e;
  if (auto e = ReadString(o, "cron", &c->cron)) return e;
  if (auto e = ReadString(o, "timezone", &c->timezone)) return e;
  if (auto e = ReadString(o, "catch_up", &c->catch_up)) return e;
  if (const json::value* p = o.if_contains("paused")) {
    if (!p->is_bool()) return Invalid("paused must be true or false");
    c->paused = p->get_bool();
  }
  if (const json::value* j = o.if_contains("job")) {
    if (auto e = ReadJob(*j, &c->job.emplace())) return e;
  }
  return std::nullopt;
}

}  // namespace

Result<JobSpec> ParseScheduleJob(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument("job must be a JSON object");
  std::vector<JobSpec> specs;
  if (auto e = NormalizeSpec(v.get_object(), SubmitHeaders{}, "job.", &specs)) {
    return Status::InvalidArgument(e->detail);
  }
  return std::move(specs.front());
}

std::optional<ApiError> ParseScheduleCreate(std::string_view body, ScheduleDraft* out) {
  json::value root;
  if (auto e = ParseObject(body, &root)) return e;
  std::optional<std::string> name;
  ScheduleChanges c;
  if (auto e = ReadFields(root.get_object(), &name, &c)) return e;
  if (!name) return Invalid(R"(name is required: a schedule's unique name such as "nightly")");
  if (!c.cron) return Invalid(R"(cron is required, e.g. "*/5 * * * *" or "@hourly")");
  if (!c.job) return Invalid(R"(job is required: the job each tick submits, {"type": ...})");
  out->name = *std::move(name);
  out->cron = *std::move(c.cron);
  out->timezone = c.timezone.value_or("UTC");
  out->job = *std::move(c.job);
  out->paused = c.paused.value_or(false);
  out->catch_up = c.catch_up.value_or("latest");
  return std::nullopt;
}

std::optional<ApiError> ParseScheduleChanges(std::string_view body, std::string_view name,
                                             ScheduleChanges* out) {
  json::value root;
  if (auto e = ParseObject(body, &root)) return e;
  std::optional<std::string> body_name;
  if (auto e = ReadFields(root.get_object(), &body_name, out)) return e;
  if (body_name && *body_name != name) {
    return Invalid("name cannot change: create a schedule under the new name, then delete this");
  }
  return std::nullopt;
}

}  // namespace conveyor::api
