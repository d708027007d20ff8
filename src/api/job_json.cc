#include "api/job_json.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "core/job_state.h"
#include "core/time_format.h"
#include "core/trace_context.h"
#include "json/json_text.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kDocumentPipeline = "document.pipeline";

void WriteStrings(JsonWriter& w, const std::vector<std::string>& items) {
  w.BeginArray();
  for (const auto& s : items) w.String(s);
  w.EndArray();
}

void WriteIds(JsonWriter& w, const Job& job) {
  w.Key("id").String(job.id).Key("job_id").String(job.id);
}

// Decoding helpers: each returns false when the member has the wrong type.
bool GetString(const json::object& o, std::string_view key, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  *out = std::string(v->get_string());
  return true;
}

bool GetOptString(const json::object& o, std::string_view key, std::optional<std::string>* out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  *out = std::string(v->get_string());
  return true;
}

bool GetInt(const json::object& o, std::string_view key, int* out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_int64()) return false;
  *out = static_cast<int>(v->get_int64());
  return true;
}

bool GetNumber(const json::object& o, std::string_view key, double* out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return false;
  *out = v->to_number<double>();
  return true;
}

bool GetOptTime(const json::object& o, std::string_view key, std::optional<TimeMs>* out) {
  std::optional<std::string> text;
  if (!GetOptString(o, key, &text)) return false;
  if (!text) return true;
  *out = ParseRfc3339(*text);
  return out->has_value();
}

bool GetTime(const json::object& o, std::string_view key, TimeMs* out) {
  std::optional<TimeMs> t;
  if (!GetOptTime(o, key, &t) || !t) return false;
  *out = *t;
  return true;
}

bool GetStrings(const json::object& o, std::string_view key, std::vector<std::string>* out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_array()) return false;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return false;
    out->emplace_back(item.get_string());
  }
  return true;
}

std::optional<std::string> GetOptJson(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return ToJsonText(*v);
}

// The members a dialect adds under its clients' names: the type again ("operation",
// "task_name"), and seed 002's attempts, error_message and scheduled_at.
void WriteAliases(JsonWriter& w, const Job& job, const DialectRules& rules) {
  if (!rules.type_alias.empty()) w.Key(rules.type_alias).String(job.type);
  if (!rules.attempt_aliases) return;
  w.Key("attempts").Int(job.attempt).Key("error_message").OptString(job.error);
  w.Key("scheduled_at").Time(job.run_at);
}

// A create answer of seed 000's document jobs says what happened, as that seed's API does.
void WriteMessage(JsonWriter& w, const Job& job, const CreateAnswer* created) {
  if (!created || job.type != kDocumentPipeline || job.message) {
    w.OptString(job.message);
  } else {
    w.String(created->is_new ? "Job created and queued for processing"
                             : "Job already exists for this doc_id");
  }
}

// Seed 004's result is a float (its worker sums in Python floats): an integer result is written
// as 14.0, so a client comparing types or printing it sees what it saw before. Any other result
// is written as it is.
bool IsJsonInteger(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void WriteAsFloat(JsonWriter& w, const std::optional<std::string>& result) {
  if (result && IsJsonInteger(*result)) {
    w.Raw(*result + ".0");
  } else {
    w.OptJsonText(result);
  }
}

Status Bad(std::string_view member) {
  return Status::InvalidArgument("job JSON: \"" + std::string(member) + "\" is missing or invalid");
}

}  // namespace

namespace {

void WriteWaiting(JsonWriter& w, const std::optional<WaitingReason>& waiting) {
  w.Key("waiting_reason");
  if (!waiting) {
    w.Null();
    return;
  }
  w.BeginObject().Key("code").String(waiting->code).Key("detail").String(waiting->detail);
  w.Key("until").OptTime(waiting->until);
  if (!waiting->waiting_on.empty()) {
    w.Key("waiting_on");
    WriteStrings(w, waiting->waiting_on);
  }
  w.EndObject();
}

// The 32 hex characters of the job's W3C trace.
void WriteTraceId(JsonWriter& w, const Job& job) {
  const std::string traceparent = JobTraceParent(job.traceparent, job.id);
  const std::string_view id = TraceIdOf(traceparent);
  w.Key("trace_id");
  if (id.empty()) {
    w.Null();
  } else {
    w.String(id);
  }
}

}  // namespace

void WriteJob(JsonWriter& w, const Job& job, Dialect dialect, const CreateAnswer* created,
              const std::optional<WaitingReason>* waiting) {
  const DialectRules& rules = RulesOf(dialect);
  w.BeginObject();
  WriteIds(w, job);
  w.Key("type").String(job.type).Key("queue").String(job.queue);
  if (!job.tenant.empty()) w.Key("tenant").String(job.tenant);  // only where tenants are used
  w.Key("status").String(StatusName(dialect, job.state));
  w.Key("priority").Int(PriorityFor(dialect, job.priority));
  w.Key("attempt").Int(job.attempt).Key("max_attempts").Int(job.max_attempts);
  w.Key("payload").JsonText(job.payload);
  w.Key("progress").Number(job.progress).Key("message");
  WriteMessage(w, job, created);
  w.Key("current_step").OptString(job.current_step).Key("result").OptJsonText(job.result);
  w.Key("result_ref").OptString(job.result_ref).Key("error").OptString(job.error);
  w.Key("idempotency_key").OptString(job.idempotency_key);
  w.Key("correlation_id").OptString(job.correlation_id);
  WriteTraceId(w, job);
  w.Key("webhook_url").OptString(job.webhook_url);
  w.Key("tags");
  WriteStrings(w, job.tags);
  w.Key("depends_on");
  WriteStrings(w, job.depends_on);
  w.Key("run_at").Time(job.run_at).Key("expires_at").OptTime(job.expires_at);
  w.Key("timeout_s").Int(job.timeout_s).Key("cancel_requested").Bool(job.cancel_requested);
  w.Key("created_at").Time(job.created_at).Key("started_at").OptTime(job.started_at);
  w.Key("finished_at").OptTime(job.finished_at).Key("updated_at").Time(job.updated_at);
  // Seed 000's names: completed_at (= finished_at) on every job, doc_id on its pipeline jobs.
  w.Key("completed_at").OptTime(job.finished_at);
  if (job.type == kDocumentPipeline) w.Key("doc_id").OptString(job.idempotency_key);
  WriteAliases(w, job, rules);
  if (waiting) WriteWaiting(w, *waiting);
  if (created) {
    w.Key("is_new").Bool(created->is_new);
    if (!created->warnings.empty()) {
      w.Key("warnings");
      WriteStrings(w, created->warnings);
    }
  }
  w.EndObject();
}

std::string JobToJson(const Job& job, Dialect dialect, const CreateAnswer* created) {
  std::string out;
  out.reserve(640 + job.payload.size() + (job.result ? job.result->size() : 0));
  JsonWriter w(&out);
  WriteJob(w, job, dialect, created);
  return out;
}

void AppendJobStatusJson(const Job& job, Dialect dialect, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  WriteIds(w, job);
  w.Key("status").String(StatusName(dialect, job.state));
  w.Key("progress").Number(job.progress);
  w.Key("message").OptString(job.message).Key("current_step").OptString(job.current_step);
  w.Key("attempt").Int(job.attempt).Key("max_attempts").Int(job.max_attempts);
  w.Key("created_at").Time(job.created_at).Key("updated_at").Time(job.updated_at);
  w.Key("started_at").OptTime(job.started_at).Key("finished_at").OptTime(job.finished_at);
  WriteAliases(w, job, RulesOf(dialect));
  w.EndObject();
}

void AppendJobResultJson(const Job& job, Dialect dialect, std::string* out) {
  const DialectRules& rules = RulesOf(dialect);
  JsonWriter w(out);
  w.BeginObject();
  WriteIds(w, job);
  w.Key("status").String(StatusName(dialect, job.state));
  // Only a success has a result; a failed job's partial output stays on GET /jobs/{id}.
  const std::optional<std::string> none;
  const std::optional<std::string>& result = job.state == JobState::kSucceeded ? job.result : none;
  w.Key("result");
  switch (rules.result_shape) {
    case ResultShape::kValue:
      w.OptJsonText(result);
      break;
    case ResultShape::kNested:
      w.BeginObject().Key("result").OptJsonText(result);
      w.Key("error").OptString(job.error).EndObject();
      break;
    case ResultShape::kPlainNumber:
      WriteAsFloat(w, result);
      break;
  }
  w.Key("error").OptString(job.error).Key("result_ref").OptString(job.result_ref);
  w.Key("created_at").Time(job.created_at).Key("updated_at").Time(job.updated_at);
  w.Key("finished_at").OptTime(job.finished_at);
  WriteAliases(w, job, rules);
  w.EndObject();
}

void AppendJobEventsJson(std::string_view job_id, const std::vector<JobEvent>& events,
                         Dialect dialect, std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Key("job_id").String(job_id).Key("events").BeginArray();
  for (const auto& e : events) {
    w.BeginObject().Key("at").Time(e.at).Key("from");
    if (e.from) {
      w.String(StatusName(dialect, *e.from));
    } else {
      w.Null();
    }
    w.Key("to").String(StatusName(dialect, e.to)).Key("attempt").Int(e.attempt);
    w.Key("message").String(e.message).EndObject();
  }
  w.EndArray().EndObject();
}

void AppendJobPageJson(const JobPage& page, int limit, std::optional<Dialect> dialect,
                       std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Key("jobs").BeginArray();
  for (const auto& job : page.jobs) WriteJob(w, job, dialect.value_or(job.dialect));
  w.EndArray().Key("next_cursor").OptString(page.next_cursor).Key("limit").Int(limit);
  w.EndObject();
}

Result<Job> JobFromJson(const json::value& value) {
  const json::object* o = value.if_object();
  if (!o) return Status::InvalidArgument("job JSON must be an object");
  Job job;
  std::string status;
  if (!GetString(*o, "id", &job.id)) return Bad("id");
  if (!GetString(*o, "type", &job.type)) return Bad("type");
  if (!GetString(*o, "queue", &job.queue)) return Bad("queue");
  if (!GetString(*o, "status", &status)) return Bad("status");
  const auto state = ParseJobState(status);
  if (!state) return Bad("status");
  job.state = *state;
  if (!GetInt(*o, "priority", &job.priority)) return Bad("priority");
  if (!GetInt(*o, "attempt", &job.attempt)) return Bad("attempt");
  if (!GetInt(*o, "max_attempts", &job.max_attempts)) return Bad("max_attempts");
  if (!GetNumber(*o, "progress", &job.progress)) return Bad("progress");
  if (!GetInt(*o, "timeout_s", &job.timeout_s)) return Bad("timeout_s");
  job.payload = GetOptJson(*o, "payload").value_or("null");
  job.result = GetOptJson(*o, "result");
  if (!GetOptString(*o, "message", &job.message)) return Bad("message");
  if (!GetOptString(*o, "current_step", &job.current_step)) return Bad("current_step");
  if (!GetOptString(*o, "result_ref", &job.result_ref)) return Bad("result_ref");
  if (!GetOptString(*o, "error", &job.error)) return Bad("error");
  if (!GetOptString(*o, "idempotency_key", &job.idempotency_key)) return Bad("idempotency_key");
  if (!GetOptString(*o, "correlation_id", &job.correlation_id)) return Bad("correlation_id");
  if (!GetOptString(*o, "webhook_url", &job.webhook_url)) return Bad("webhook_url");
  if (!GetStrings(*o, "tags", &job.tags)) return Bad("tags");
  if (!GetStrings(*o, "depends_on", &job.depends_on)) return Bad("depends_on");
  if (!GetTime(*o, "run_at", &job.run_at)) return Bad("run_at");
  if (!GetTime(*o, "created_at", &job.created_at)) return Bad("created_at");
  if (!GetTime(*o, "updated_at", &job.updated_at)) return Bad("updated_at");
  if (!GetOptTime(*o, "expires_at", &job.expires_at)) return Bad("expires_at");
  if (!GetOptTime(*o, "started_at", &job.started_at)) return Bad("started_at");
  if (!GetOptTime(*o, "finished_at", &job.finished_at)) return Bad("finished_at");
  const json::value* cancel = o->if_contains("cancel_requested");
  if (!cancel || !cancel->is_bool()) return Bad("cancel_requested");
  job.cancel_requested = cancel->get_bool();
  return job;
}

}  // namespace conveyor::api
