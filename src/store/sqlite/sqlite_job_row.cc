#include "store/sqlite/sqlite_job_row.h"

#include "store/sqlite/sqlite_queries.h"
#include "store/store_json.h"

namespace conveyor {

JobInsertText EncodeJobInsertText(const Job& job) {
  JobInsertText t;
  if (!job.tags.empty()) t.tags = EncodeJsonStringArray(job.tags);
  if (!job.depends_on.empty()) t.depends_on = EncodeJsonStringArray(job.depends_on);
  return t;
}

void BindJobInsert(SqliteStatement& st, int first, const Job& j, const JobInsertText& t) {
  static constexpr std::string_view kEmpty = "[]";
  int i = first;
  st.BindText(i++, j.id);
  st.BindText(i++, j.type);
  st.BindText(i++, j.queue);
  st.BindText(i++, j.payload);
  st.BindText(i++, ToString(j.state));  // static storage
  st.BindInt(i++, j.priority);
  st.BindInt(i++, j.attempt);
  st.BindInt(i++, j.max_attempts);
  st.BindInt(i++, j.run_at);
  st.BindOptInt(i++, j.expires_at);
  st.BindInt(i++, j.timeout_s);
  st.BindOptText(i++, j.idempotency_key);
  st.BindOptText(i++, j.correlation_id);
  st.BindOptText(i++, j.webhook_url);
  st.BindText(i++, j.depends_on.empty() ? kEmpty : std::string_view(t.depends_on));
  st.BindText(i++, j.tags.empty() ? kEmpty : std::string_view(t.tags));
  st.BindDouble(i++, j.progress);
  st.BindOptText(i++, j.message);
  st.BindOptText(i++, j.current_step);
  st.BindOptText(i++, j.result);
  st.BindOptText(i++, j.result_ref);
  st.BindOptText(i++, j.error);
  st.BindInt(i++, j.created_at);
  st.BindOptInt(i++, j.started_at);
  st.BindOptInt(i++, j.finished_at);
  st.BindInt(i++, j.updated_at);
  if (j.lease) {
    st.BindText(i++, j.lease->owner);
    st.BindText(i++, j.lease->token);
    st.BindInt(i++, j.lease->expires_at);
  } else {
    st.BindNull(i++);
    st.BindNull(i++);
    st.BindNull(i++);
  }
  st.BindInt(i++, j.cancel_requested ? 1 : 0);
  st.BindText(i++, j.request_hash);
  st.BindText(i++, RulesOf(j.dialect).stored);  // static storage
  st.BindText(i++, j.tenant);
  st.BindOptText(i++, j.traceparent);
  st.BindOptText(i++, j.tracestate);
}

std::string JobInsertSql(int rows) {
  std::string row = "(";
  for (int c = 0; c < sqlite_queries::kInsertColumnCount; ++c) row += c == 0 ? "?" : ",?";
  row += ")";
  std::string sql = "INSERT INTO jobs (";
  sql += sqlite_queries::kInsertColumns;
  sql += ") VALUES ";
  for (int r = 0; r < rows; ++r) {
    if (r > 0) sql += ",";
    sql += row;
  }
  return sql;
}

}  // namespace conveyor
