// Reads of the jobs table that no other operation shares (the shared ones are in
// store_job_ops.h over SqliteJobStatements).
#include <string>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;

Result<std::optional<TimeMs>> JobNextRunAt(SqliteConnection& c) {
  return c.QueryOptInt(q::kNextRunAt);
}

Result<std::map<JobState, int64_t>> JobCountByState(SqliteConnection& c) {
  auto st = c.Prepare(q::kCountByState);
  if (!st.ok()) return st.status();
  std::map<JobState, int64_t> counts;
  Status s = st->ForEachRow(
      [&](const SqliteStatement& row) { counts[ReadJobState(row, 0)] = row.Int(1); });
  if (!s.ok()) return s;
  return counts;
}

}  // namespace conveyor::sqlite_ops
