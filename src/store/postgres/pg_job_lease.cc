// The lease lifecycle on PostgreSQL: claim, complete, release, rescue (fail and heartbeat are
// shared: store_job_ops.h). Each guarded write matches on (id, state RUNNING, lease token) so a
// worker that lost its lease changes nothing.
// Claims and rescues lock their rows with SKIP LOCKED: concurrent claimers on any node never
// wait for each other and never get the same job.
#include <string>
#include <unordered_set>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_completions.h"
#include "store/store_json.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;

Result<std::vector<Job>> JobClaim(PgConnection& c, const JobClaimParams& p) {
  if (p.max <= 0) return std::vector<Job>{};
  auto r = c.Exec(q::kClaim, {PgInt(p.now), JsonArrayOrNull(p.types), JsonArrayOrNull(p.queues),
                              JsonArrayOrNull(p.exclude_types), PgInt(p.max), p.worker_id,
                              PgInt(p.now + p.lease_ms)});
  if (!r.ok()) return r.status();
  std::vector<JobRow> rows = ReadPgJobRows(*r);
  SortInClaimOrder(rows);
  return TakeJobs(std::move(rows));
}

Result<std::vector<Status>> JobCompleteMany(PgConnection& c, const JobCompleteManyParams& p) {
  std::vector<bool> repeated;
  auto r = c.Exec(q::kComplete, {PgInt(p.now), EncodeCompletions(p, repeated)});
  if (!r.ok()) return r.status();
  std::unordered_set<std::string> succeeded;
  for (int i = 0; i < r->rows(); ++i) succeeded.insert(r->Text(i, 0));
  return CompletionOutcomes(p, repeated, succeeded, [&c](const std::string& id) {
    return PgJobStatements(c).JobStaleLease(id);
  });
}

Result<int> JobReleaseMany(PgConnection& c, const JobReleaseManyParams& p) {
  if (p.jobs.empty()) return 0;
  std::string json = "[";
  for (const auto& [id, token] : p.jobs) {
    json += json.size() > 1 ? ",[" : "[";
    AppendJsonString(json, id);
    json += ",";
    AppendJsonString(json, token);
    json += "]";
  }
  auto r = c.Exec(q::kRelease, {PgInt(p.now), json + "]"});
  if (!r.ok()) return r.status();
  const int released = static_cast<int>(r->Int(0, 0));
  if (released > 0) c.RequestNotify();
  return released;
}

Result<std::vector<std::string>> JobRescueExpired(PgConnection& c,
                                                  const JobRescueExpiredParams& p) {
  std::vector<std::string> ids;
  if (p.limit <= 0) return ids;
  auto r = c.Exec(q::kRescue, {PgInt(p.now), PgInt(p.now + p.retry_delay_ms),
                               std::string(kLeaseExpiredError), PgInt(p.limit)});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) {
    ids.push_back(r->Text(i, 0));
    if (r->Text(i, 1) == "RETRYING") c.RequestNotify();
  }
  return ids;
}

}  // namespace conveyor::pg_ops
