// Reads of the jobs table that no other operation shares (the shared ones are in
// store_job_ops.h over PgJobStatements), and the JSON filter the claim binds.
#include <string>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_json.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;

PgParam JsonArrayOrNull(const std::vector<std::string>& items) {
  if (items.empty()) return std::nullopt;
  return EncodeJsonStringArray(items);
}

Result<std::optional<TimeMs>> JobNextRunAt(PgConnection& c) {
  auto r = c.Exec(q::kNextRunAt);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

Result<std::map<JobState, int64_t>> JobCountByState(PgConnection& c) {
  auto r = c.Exec(q::kCountByState);
  if (!r.ok()) return r.status();
  std::map<JobState, int64_t> counts;
  for (int i = 0; i < r->rows(); ++i) counts[ReadJobState(PgRow(*r, i), 0)] = r->Int(i, 1);
  return counts;
}

Result<JobStats> JobStatsGet(PgConnection& c, const JobStatsParams& p) {
  JobStats out;
  auto states = JobCountByState(c);
  if (!states.ok()) return states.status();
  out.by_state = std::move(*states);
  auto types = c.Exec(q::kCountByType, {PgInt(p.max_types)});
  if (!types.ok()) return types.status();
  for (int i = 0; i < types->rows(); ++i) {
    out.by_type.emplace_back(types->Text(i, 0), types->Int(i, 1));
  }
  auto mean = c.Exec(q::kFailedMeanAttempt);
  if (!mean.ok()) return mean.status();
  out.avg_failed_attempt = mean->Double(0, 0);
  auto failures = c.Exec(q::kRecentFailures, {PgInt(p.recent_failures)});
  if (!failures.ok()) return failures.status();
  for (int i = 0; i < failures->rows(); ++i) {
    out.recent_failures.push_back(ReadJobFailure(PgRow(*failures, i)));
  }
  return out;
}

}  // namespace conveyor::pg_ops
