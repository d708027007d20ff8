// The lease lifecycle on PostgreSQL: the statements of complete (their logic, like
// fail's and heartbeat's, is in store_job_ops.h), release and rescue. Each guarded write matches
// on (id, state RUNNING, lease token) so a worker that lost its lease changes nothing.
// Claims and rescues lock their rows with SKIP LOCKED: concurrent claimers on any node never
// wait for each other and never get the same job.
#include <string>
#include <unordered_set>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_dependencies.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = pg_queries;

Result<std::unordered_set<std::string>> PgJobStatements::JobCompleteRows(std::string completions,
                                                                         TimeMs now) {
  auto r = c_.Exec(q::kComplete, {PgInt(now), std::move(completions)});
  if (!r.ok()) return r.status();
  std::unordered_set<std::string> succeeded;
  std::vector<FinishedJob> depended_upon;  // has_dependents: the only ones that pay a probe
  for (int i = 0; i < r->rows(); ++i) {
    succeeded.insert(r->Text(i, 0));
    if (r->Int(i, 2) != 0) depended_upon.push_back({r->Int(i, 1), r->Text(i, 0)});
  }
  if (!depended_upon.empty()) {
    Status s = store_deps::SettleDependents(*this, std::move(depended_upon), now);
    if (!s.ok()) return s;
  }
  return succeeded;
}

Result<int> pg_ops::JobReleaseMany(PgConnection& c, const JobReleaseManyParams& p) {
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

Result<std::vector<std::string>> pg_ops::JobRescueExpired(PgConnection& c,
                                                          const JobRescueExpiredParams& p) {
  std::vector<std::string> ids;
  if (p.limit <= 0) return ids;
  auto r = c.Exec(q::kRescue, {PgInt(p.now), PgInt(p.now + p.retry_delay_ms),
                               std::string(kLeaseExpiredError), PgInt(p.limit)});
  if (!r.ok()) return r.status();
  std::vector<FinishedJob> failed;
  for (int i = 0; i < r->rows(); ++i) {
    ids.push_back(r->Text(i, 0));
    if (r->Text(i, 1) == "RETRYING") c.RequestNotify();
    if (r->Text(i, 1) == "FAILED" && r->Int(i, 3) != 0) {
      failed.push_back({r->Int(i, 2), r->Text(i, 0), JobState::kFailed});
    }
  }
  if (!failed.empty()) {
    PgJobStatements db(c);
    if (Status s = store_deps::SettleDependents(db, std::move(failed), p.now); !s.ok()) return s;
  }
  return ids;
}

// Expiry: one statement does the transition, its events and the job.expired deliveries.
Result<std::vector<std::string>> pg_ops::JobExpireDue(PgConnection& c, const JobExpireDueParams& p) {
  std::vector<std::string> ids;
  if (p.limit <= 0) return ids;
  auto r = c.Exec(q::kExpireDue, {PgInt(p.now), PgInt(p.limit), std::string(kExpiredMessage)});
  if (!r.ok()) return r.status();
  std::vector<FinishedJob> depended_upon;
  for (int i = 0; i < r->rows(); ++i) {
    ids.push_back(r->Text(i, 0));
    if (r->Int(i, 2) != 0)
      depended_upon.push_back({r->Int(i, 1), r->Text(i, 0), JobState::kExpired});
  }
  if (!depended_upon.empty()) {  // their BLOCKED dependents are cancelled, down the chain
    PgJobStatements db(c);
    Status s = store_deps::SettleDependents(db, std::move(depended_upon), p.now);
    if (!s.ok()) return s;
  }
  return ids;
}

Result<std::optional<TimeMs>> pg_ops::JobNextExpiry(PgConnection& c) {
  auto r = c.Exec(q::kNextExpiry);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

}  // namespace conveyor
