#include "store/postgres/pg_job_row.h"

#include <cmath>
#include <optional>

#include "store/store_json.h"

namespace conveyor {
namespace {

// Appends `"key":value` (and a comma first unless it opens the object).
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  ~JsonObject() { out_ += '}'; }
  void Str(const char* key, std::string_view v) {
    Key(key);
    AppendJsonString(out_, v);
  }
  void OptStr(const char* key, const std::optional<std::string>& v) {
    if (v) Str(key, *v);  // absent keys read as NULL
  }
  void Int(const char* key, int64_t v) {
    Key(key);
    out_ += std::to_string(v);
  }
  void OptInt(const char* key, const std::optional<int64_t>& v) {
    if (v) Int(key, *v);
  }
  // A finite double (the CHECK on progress keeps it 0..100); NaN or infinity is not JSON.
  void Double(const char* key, double v) {
    Key(key);
    out_ += std::isfinite(v) ? *PgDouble(v) : "null";
  }

 private:
  void Key(const char* key) {
    if (out_.back() != '{') out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string& out_;
};

void AppendJob(std::string& out, const Job& j) {
  JsonObject o(out);
  o.Str("id", j.id);
  o.Str("type", j.type);
  o.Str("queue", j.queue);
  o.Str("payload", j.payload);
  o.Str("state", ToString(j.state));
  o.Int("priority", j.priority);
  o.Int("attempt", j.attempt);
  o.Int("max_attempts", j.max_attempts);
  o.Int("run_at", j.run_at);
  o.OptInt("expires_at", j.expires_at);
  o.Int("timeout_s", j.timeout_s);
  o.OptStr("idempotency_key", j.idempotency_key);
  o.OptStr("correlation_id", j.correlation_id);
  o.OptStr("webhook_url", j.webhook_url);
  o.Str("depends_on", EncodeJsonStringArray(j.depends_on));
  o.Str("tags", EncodeJsonStringArray(j.tags));
  o.Double("progress", j.progress);
  o.OptStr("message", j.message);
  o.OptStr("current_step", j.current_step);
  o.OptStr("result", j.result);
  o.OptStr("result_ref", j.result_ref);
  o.OptStr("error", j.error);
  o.Int("created_at", j.created_at);
  o.OptInt("started_at", j.started_at);
  o.OptInt("finished_at", j.finished_at);
  o.Int("updated_at", j.updated_at);
  o.Str("request_hash", j.request_hash);
  o.Str("dialect", RulesOf(j.dialect).stored);
  o.Str("tenant", j.tenant);
  o.OptStr("traceparent", j.traceparent);
  o.OptStr("tracestate", j.tracestate);
}

}  // namespace

std::vector<JobRow> ReadPgJobRows(const PgResult& r) {
  std::vector<JobRow> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadJobRow(PgRow(r, i)));
  return rows;
}

std::string EncodePgJobsJson(const std::vector<const Job*>& jobs) {
  std::string out = "[";
  out.reserve(jobs.size() * 512);
  for (const Job* j : jobs) {
    if (out.size() > 1) out += ',';
    AppendJob(out, *j);
  }
  return out + "]";
}

}  // namespace conveyor
