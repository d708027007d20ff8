// The lease lifecycle: claim, complete, fail, heartbeat, release, rescue. Each guarded write
// matches on (id, state RUNNING, lease token) so a worker that lost its lease changes nothing.
// Claims and rescues lock their rows with SKIP LOCKED: concurrent claimers on any node never
// wait for each other and never get the same job.
#include <algorithm>
#include <string>
#include <tuple>
#include <unordered_set>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/sqlite/sqlite_json.h"  // the store's dependency-free JSON text helpers

namespace conveyor::pg_ops {
namespace q = pg_queries;
namespace {

constexpr std::string_view kLeaseExpired = "lease expired (worker lost)";

}  // namespace

Result<std::vector<Job>> ClaimJobs(PgConnection& c, const JobClaimParams& p) {
  if (p.max <= 0) return std::vector<Job>{};
  auto r = c.Exec(q::kClaim, {PgInt(p.now), JsonArrayOrNull(p.types), JsonArrayOrNull(p.queues),
                              JsonArrayOrNull(p.exclude_types), PgInt(p.max), p.worker_id,
                              PgInt(p.now + p.lease_ms)});
  if (!r.ok()) return r.status();
  std::vector<PgJobRow> rows = ReadPgJobRows(*r);
  // RETURNING yields rows in no promised order; hand them out in claim order.
  std::sort(rows.begin(), rows.end(), [](const PgJobRow& a, const PgJobRow& b) {
    return std::tie(a.job.priority, a.job.run_at, a.seq) <
           std::tie(b.job.priority, b.job.run_at, b.seq);
  });
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (PgJobRow& row : rows) jobs.push_back(std::move(row.job));
  return jobs;
}

namespace {

// [[id, token, result, result_ref], ...] for the completions that name a job for the first time
// in this call; a repeated id is answered Conflict (the first one decides).
std::string CompletionArray(const JobCompleteManyParams& p, std::vector<bool>& repeated) {
  std::unordered_set<std::string_view> seen;
  std::string json = "[";
  repeated.assign(p.completions.size(), false);
  for (size_t i = 0; i < p.completions.size(); ++i) {
    const JobCompletion& done = p.completions[i];
    if (!seen.insert(done.id).second) {
      repeated[i] = true;
      continue;
    }
    json += json.size() > 1 ? ",[" : "[";
    AppendJsonString(json, done.id);
    json += ",";
    AppendJsonString(json, done.lease_token);
    json += ",";
    AppendJsonString(json, done.result);
    json += ",";
    if (done.result_ref) {
      AppendJsonString(json, *done.result_ref);
    } else {
      json += "null";
    }
    json += "]";
  }
  return json + "]";
}

}  // namespace

Result<std::vector<Status>> CompleteJobs(PgConnection& c, const JobCompleteManyParams& p) {
  std::vector<bool> repeated;
  auto r = c.Exec(q::kComplete, {PgInt(p.now), CompletionArray(p, repeated)});
  if (!r.ok()) return r.status();
  std::unordered_set<std::string> succeeded;
  for (int i = 0; i < r->rows(); ++i) succeeded.insert(r->Text(i, 0));
  std::vector<Status> out;
  out.reserve(p.completions.size());
  for (size_t i = 0; i < p.completions.size(); ++i) {
    const std::string& id = p.completions[i].id;
    if (!repeated[i] && succeeded.count(id) > 0) {
      out.push_back(Status::Ok());
      continue;
    }
    Status why = StaleLease(c, id);  // the rare path: say why this one did not complete
    if (why.code() != StatusCode::kConflict && why.code() != StatusCode::kNotFound) return why;
    out.push_back(std::move(why));
  }
  return out;
}

Result<Job> FailJob(PgConnection& c, const JobFailParams& p) {
  Result<PgJobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  const Job& job = row->job;
  if (job.state != JobState::kRunning || !job.lease || job.lease->token != p.lease_token) {
    return StaleLease(c, p.id);
  }
  const bool retry = p.retryable && job.attempt < job.max_attempts;
  const JobState to = retry ? JobState::kRetrying : JobState::kFailed;
  Result<PgJobRow> updated = UpdateOneJob(
      c, q::kFail,
      {PgInt(row->seq), std::string(ToString(to)), PgInt(retry ? p.retry_at : job.run_at),
       retry ? std::nullopt : PgInt(p.now), p.error, PgInt(p.now)});
  if (!updated.ok()) return updated.status();
  Status e = AppendEvent(c, row->seq, p.now, JobState::kRunning, to, job.attempt, p.error);
  if (!e.ok()) return e;
  if (retry) {
    c.RequestNotify();
  } else if (Status d = AddTerminalDelivery(c, p.id, p.now); !d.ok()) {
    return d;
  }
  return std::move(updated->job);
}

Result<HeartbeatOutcome> HeartbeatJob(PgConnection& c, const JobHeartbeatParams& p) {
  auto r = c.Exec(q::kHeartbeat, {p.id, p.lease_token, PgInt(p.lease_expires_at),
                                  p.progress ? PgInt(*p.progress) : std::nullopt, p.message,
                                  p.current_step, PgInt(p.now)});
  if (!r.ok()) return r.status();
  if (r->rows() == 1) return HeartbeatOutcome{.cancel_requested = r->Int(0, 0) != 0};
  return StaleLease(c, p.id);
}

Result<int> ReleaseJobs(PgConnection& c, const JobReleaseManyParams& p) {
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

Result<std::vector<std::string>> RescueExpiredJobs(PgConnection& c,
                                                   const JobRescueExpiredParams& p) {
  std::vector<std::string> ids;
  if (p.limit <= 0) return ids;
  auto r = c.Exec(q::kRescue, {PgInt(p.now), PgInt(p.now + p.retry_delay_ms),
                               std::string(kLeaseExpired), PgInt(p.limit)});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) {
    ids.push_back(r->Text(i, 0));
    if (r->Text(i, 1) == "RETRYING") c.RequestNotify();
  }
  return ids;
}

}  // namespace conveyor::pg_ops
