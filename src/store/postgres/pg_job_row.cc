#include "store/postgres/pg_job_row.h"

#include <optional>

#include "store/store_json.h"

namespace conveyor {
namespace {

std::vector<std::string> ReadStringArray(const PgResult& r, int row, int col) {
  // A malformed array can only come from a hand-edited database; show no items rather than fail.
  return DecodeJsonStringArray(r.Text(row, col)).value_or(std::vector<std::string>{});
}

void ReadLease(const PgResult& r, int row, Job& j) {
  if (r.IsNull(row, 28)) return;
  j.lease = Lease{.owner = r.Text(row, 27), .token = r.Text(row, 28), .expires_at = r.Int(row, 29)};
}

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
  o.Int("progress", j.progress);
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
}

}  // namespace

JobState PgJobState(const std::string& text) {
  return ParseJobState(text).value_or(JobState::kFailed);
}

JobRow ReadPgJobRow(const PgResult& r, int row) {
  JobRow out;
  out.seq = r.Int(row, 0);
  Job& j = out.job;
  j.id = r.Text(row, 1);
  j.type = r.Text(row, 2);
  j.queue = r.Text(row, 3);
  j.payload = r.Text(row, 4);
  j.state = PgJobState(r.Text(row, 5));
  j.priority = static_cast<int>(r.Int(row, 6));
  j.attempt = static_cast<int>(r.Int(row, 7));
  j.max_attempts = static_cast<int>(r.Int(row, 8));
  j.run_at = r.Int(row, 9);
  j.expires_at = r.OptInt(row, 10);
  j.timeout_s = static_cast<int>(r.Int(row, 11));
  j.idempotency_key = r.OptText(row, 12);
  j.correlation_id = r.OptText(row, 13);
  j.webhook_url = r.OptText(row, 14);
  j.depends_on = ReadStringArray(r, row, 15);
  j.tags = ReadStringArray(r, row, 16);
  j.progress = static_cast<int>(r.Int(row, 17));
  j.message = r.OptText(row, 18);
  j.current_step = r.OptText(row, 19);
  j.result = r.OptText(row, 20);
  j.result_ref = r.OptText(row, 21);
  j.error = r.OptText(row, 22);
  j.created_at = r.Int(row, 23);
  j.started_at = r.OptInt(row, 24);
  j.finished_at = r.OptInt(row, 25);
  j.updated_at = r.Int(row, 26);
  ReadLease(r, row, j);
  j.cancel_requested = r.Int(row, 30) != 0;
  j.request_hash = r.Text(row, 31);
  return out;
}

std::vector<JobRow> ReadPgJobRows(const PgResult& r) {
  std::vector<JobRow> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadPgJobRow(r, i));
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
