// Operator transitions: cancel (waiting or running), the runtime's cancel acknowledgement, and
// retry of a finished job.
#include <string>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;
namespace {

// Runs `sql` (bound with ?1 seq, ?2 now) on the job and records from → to; a terminal `to`
// also queues the job's webhook.
Result<Job> Transition(SqliteConnection& c, const JobRow& row, std::string_view sql, JobState to,
                       TimeMs now, std::string_view message) {
  Result<JobRow> updated = UpdateOneJob(c, sql, [&](SqliteStatement& st) {
    st.BindInt(1, row.seq);
    st.BindInt(2, now);
  });
  if (!updated.ok()) return updated.status();
  Status e = AppendEvent(c, row.seq, now, row.job.state, to, updated->job.attempt, message);
  if (!e.ok()) return e;
  if (IsTerminal(to)) {
    e = EnqueueWebhook(c, row.seq, updated->job.webhook_url, to, now);
    if (!e.ok()) return e;
  }
  return std::move(updated->job);
}

}  // namespace

Result<Job> JobCancel(SqliteConnection& c, const JobCancelParams& p) {
  Result<JobRow> row = LoadJob(c, p.id);
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

Result<Job> JobCancelAck(SqliteConnection& c, const JobCancelAckParams& p) {
  Result<JobRow> row = LoadJob(c, p.id);
  if (!row.ok()) return row.status();
  if (!HoldsLease(row->job, p.lease_token)) return StaleLease(c, p.id);
  return Transition(c, *row, q::kCancelNow, JobState::kCancelled, p.now, "cancelled while running");
}

Result<Job> JobRetry(SqliteConnection& c, const JobRetryParams& p) {
  Result<JobRow> row = LoadJob(c, p.id);
  if (!row.ok()) return row.status();
  if (Status s = CheckRetryable(row->job); !s.ok()) return s;
  return Transition(c, *row, q::kRetry, JobState::kPending, p.now, "retried by operator");
}

}  // namespace conveyor::sqlite_ops
