// Operator transitions: cancel (waiting or running), the runtime's cancel acknowledgement, and
// retry of a finished job. Each locks the job row first, so the decision made in C++ holds until
// COMMIT.
#include <string>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;
namespace {

// Runs `sql` (bound with $1 seq, $2 now) on the job and records from → to; a terminal `to`
// also creates the job's webhook delivery.
Result<Job> Transition(PgConnection& c, const PgJobRow& row, std::string_view sql, JobState to,
                       TimeMs now, std::string_view message) {
  Result<PgJobRow> updated = UpdateOneJob(c, sql, {PgInt(row.seq), PgInt(now)});
  if (!updated.ok()) return updated.status();
  Status e = AppendEvent(c, row.seq, now, row.job.state, to, updated->job.attempt, message);
  if (!e.ok()) return e;
  if (IsTerminal(to)) {
    if (Status d = AddTerminalDelivery(c, row.job.id, now); !d.ok()) return d;
  }
  if (IsWaiting(to)) c.RequestNotify();
  return std::move(updated->job);
}

}  // namespace

Result<Job> CancelJob(PgConnection& c, const JobCancelParams& p) {
  Result<PgJobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  const JobState state = row->job.state;
  if (IsWaiting(state)) {
    return Transition(c, *row, q::kCancelNow, JobState::kCancelled, p.now, "cancelled");
  }
  if (state == JobState::kRunning) {
    if (row->job.cancel_requested) return std::move(row->job);  // asked already: no new event
    return Transition(c, *row, q::kCancelRequest, JobState::kRunning, p.now, "cancel requested");
  }
  return Status::FailedPrecondition("job " + p.id + " is already " + std::string(ToString(state)) +
                                    "; only waiting or running jobs can be cancelled");
}

Result<Job> AckCancelJob(PgConnection& c, const JobCancelAckParams& p) {
  Result<PgJobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  const Job& job = row->job;
  if (job.state != JobState::kRunning || !job.lease || job.lease->token != p.lease_token) {
    return StaleLease(c, p.id);
  }
  return Transition(c, *row, q::kCancelNow, JobState::kCancelled, p.now, "cancelled while running");
}

Result<Job> RetryJob(PgConnection& c, const JobRetryParams& p) {
  Result<PgJobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  const JobState state = row->job.state;
  if (state != JobState::kFailed && state != JobState::kCancelled && state != JobState::kExpired) {
    return Status::FailedPrecondition("job " + p.id + " is " + std::string(ToString(state)) +
                                      "; only FAILED, CANCELLED or EXPIRED jobs can be retried");
  }
  return Transition(c, *row, q::kRetry, JobState::kPending, p.now, "retried by operator");
}

}  // namespace conveyor::pg_ops
