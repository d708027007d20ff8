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
Result<Job> Transition(PgConnection& c, const JobRow& row, std::string_view sql, JobState to,
                       TimeMs now, std::string_view message) {
  Result<JobRow> updated = UpdateOneJob(c, sql, {PgInt(row.seq), PgInt(now)});
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
  Result<JobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  Result<CancelAction> action = ChooseCancel(row->job);
  if (!action.ok()) return action.status();
  switch (*action) {
    case CancelAction::kCancelNow:
      return Transition(c, *row, q::kCancelNow, JobState::kCancelled, p.now, "cancelled");
    case CancelAction::kRequestCancel:
      return Transition(c, *row, q::kCancelRequest, JobState::kRunning, p.now, "cancel requested");
    case CancelAction::kAlreadyRequested:
      break;
  }
  return std::move(row->job);  // asked already: no new event
}

Result<Job> AckCancelJob(PgConnection& c, const JobCancelAckParams& p) {
  Result<JobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  if (!HoldsLease(row->job, p.lease_token)) return StaleLease(c, p.id);
  return Transition(c, *row, q::kCancelNow, JobState::kCancelled, p.now, "cancelled while running");
}

Result<Job> RetryJob(PgConnection& c, const JobRetryParams& p) {
  Result<JobRow> row = LoadJob(c, p.id, /*for_update=*/true);
  if (!row.ok()) return row.status();
  if (Status s = CheckRetryable(row->job); !s.ok()) return s;
  return Transition(c, *row, q::kRetry, JobState::kPending, p.now, "retried by operator");
}

}  // namespace conveyor::sqlite_ops
