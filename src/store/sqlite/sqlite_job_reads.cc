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

namespace {

Status ReadTypeCounts(SqliteConnection& c, int limit, JobStats& out) {
  auto st = c.Prepare(q::kCountByType);
  if (!st.ok()) return st.status();
  st->BindInt(1, limit);
  return st->ForEachRow(
      [&](const SqliteStatement& row) { out.by_type.emplace_back(row.Text(0), row.Int(1)); });
}

Status ReadFailures(SqliteConnection& c, int limit, JobStats& out) {
  auto mean = c.Prepare(q::kFailedMeanAttempt);
  if (!mean.ok()) return mean.status();
  Result<bool> row = mean->Step();
  if (!row.ok()) return row.status();
  if (*row) out.avg_failed_attempt = mean->Double(0);
  auto st = c.Prepare(q::kRecentFailures);
  if (!st.ok()) return st.status();
  st->BindInt(1, limit);
  return st->ForEachRow(
      [&](const SqliteStatement& r) { out.recent_failures.push_back(ReadJobFailure(r)); });
}

}  // namespace

// Cost, measured once with Python's sqlite3 (the same SQLite 3.40) on 200k jobs (20 types, 10%
// FAILED, 200-byte payloads), on a 2-core machine under load 13, so slow figures; linear in the
// number of jobs: counts by state 0.5 s (covering scan of jobs_state), by type 3.2 s (a scan of
// the table and a sort), mean attempt 0.08 s (covering scan of the FAILED part of jobs_failed),
// newest failures < 1 ms. For 1M jobs that is ~20 s on such a machine, seconds on an idle one:
// hence JobStatsReader (runtime/) runs one read at a time, off the io threads, shared by callers.
Result<JobStats> JobStatsGet(SqliteConnection& c, const JobStatsParams& p) {
  JobStats out;
  auto states = JobCountByState(c);
  if (!states.ok()) return states.status();
  out.by_state = std::move(*states);
  if (Status s = ReadTypeCounts(c, p.max_types, out); !s.ok()) return s;
  if (Status s = ReadFailures(c, p.recent_failures, out); !s.ok()) return s;
  return out;
}

}  // namespace conveyor::sqlite_ops
