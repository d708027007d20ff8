#include "store/postgres/pg_job_row.h"

#include <cmath>
#include <optional>

#include "store/store_json.h"

namespace conveyor {
namespace {

// The columns of a multi-row insert as PostgreSQL array literals, one per column, filled a row
// at a time in the column order of kInsertJobs: {"a","b",NULL}. Every value is quoted (so an
// empty string, a comma, a brace or the word NULL stays text) with `"` and `\` escaped.
// PostgreSQL parses these several times faster than json_to_recordset parses the same rows.
class ArrayColumns {
 public:
  explicit ArrayColumns(size_t columns) : cols_(columns, std::string("{")) {}
  void StartRow() { col_ = 0; }
  void Str(std::string_view v) {
    std::string& out = Next();
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  void OptStr(const std::optional<std::string>& v) { v ? Str(*v) : Null(); }
  void Int(int64_t v) { Next() += std::to_string(v); }
  void OptInt(const std::optional<int64_t>& v) { v ? Int(*v) : Null(); }
  // A finite double (the CHECK on progress keeps it 0..100); NaN or infinity goes as NULL.
  void Double(double v) { std::isfinite(v) ? (void)(Next() += *PgDouble(v)) : Null(); }
  void Null() { Next() += "NULL"; }
  // The literals; every row must have filled every column.
  PgParams Finish() {
    PgParams out;
    out.reserve(cols_.size());
    for (std::string& c : cols_) out.push_back(std::move(c) + '}');
    return out;
  }

 private:
  std::string& Next() {
    std::string& c = cols_.at(col_++);
    if (c.size() > 1) c += ',';
    return c;
  }
  std::vector<std::string> cols_;
  size_t col_ = 0;
};

void AppendJob(ArrayColumns& a, const Job& j) {
  a.StartRow();
  a.Str(j.id);
  a.Str(j.type);
  a.Str(j.queue);
  a.Str(j.payload);
  a.Str(ToString(j.state));
  a.Int(j.priority);
  a.Int(j.attempt);
  a.Int(j.max_attempts);
  a.Int(j.run_at);
  a.OptInt(j.expires_at);
  a.Int(j.timeout_s);
  a.OptStr(j.idempotency_key);
  a.OptStr(j.correlation_id);
  a.OptStr(j.webhook_url);
  a.Str(EncodeJsonStringArray(j.depends_on));
  a.Str(EncodeJsonStringArray(j.tags));
  a.Double(j.progress);
  a.OptStr(j.message);
  a.OptStr(j.current_step);
  a.OptStr(j.result);
  a.OptStr(j.result_ref);
  a.OptStr(j.error);
  a.Int(j.created_at);
  a.OptInt(j.started_at);
  a.OptInt(j.finished_at);
  a.Int(j.updated_at);
  a.Str(j.request_hash);
  a.Str(RulesOf(j.dialect).stored);
  a.Str(j.tenant);
  a.OptStr(j.traceparent);
  a.OptStr(j.tracestate);
}

}  // namespace

std::vector<JobRow> ReadPgJobRows(const PgResult& r) {
  std::vector<JobRow> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.push_back(ReadJobRow(PgRow(r, i)));
  return rows;
}

PgParams EncodePgJobColumns(const std::vector<const Job*>& jobs) {
  ArrayColumns a(kPgInsertColumns);
  for (const Job* j : jobs) AppendJob(a, *j);
  return a.Finish();
}

PgParam EncodePgTextArray(const std::vector<std::string>& values) {
  ArrayColumns a(1);
  for (const std::string& v : values) {
    a.StartRow();
    a.Str(v);
  }
  return a.Finish().front();
}

}  // namespace conveyor
