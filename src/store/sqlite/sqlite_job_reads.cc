// Reads of the jobs table that no other operation shares (the shared ones are in
// store_job_ops.h over SqliteJobStatements).
#include <string>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;

Result<std::optional<TimeMs>> JobNextRunAt(SqliteConnection& c) {
  auto st = c.Prepare(q::kNextRunAt);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row || st->IsNull(0)) return std::optional<TimeMs>();
  return std::optional<TimeMs>(st->Int(0));
}

Result<std::map<JobState, int64_t>> JobCountByState(SqliteConnection& c) {
  auto st = c.Prepare(q::kCountByState);
  if (!st.ok()) return st.status();
  std::map<JobState, int64_t> counts;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return counts;
    counts[ReadJobState(*st, 0)] = st->Int(1);
  }
}

}  // namespace conveyor::sqlite_ops
