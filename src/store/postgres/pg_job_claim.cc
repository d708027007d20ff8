// The claim and the queues on PostgreSQL: the statements store_claim.h and store_queue_ops.h
// run. Claimers on several nodes run at once: job rows are locked with SKIP LOCKED (never waited
// for); limited queues and rate-limit rows are locked in one global order (queues by name, then
// rate limits by kind and name), so claimers sharing a limit take turns and never deadlock.
#include <string>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_job_row.h"
#include "store/postgres/pg_job_statements.h"
#include "store/postgres/pg_queue_queries.h"

namespace conveyor {
namespace q = pg_queries;
namespace {

std::vector<RateLimitRow> ReadRateRows(const PgResult& r) {
  std::vector<RateLimitRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({.kind = r.Text(i, 0) == "queue" ? RateLimitKind::kQueue : RateLimitKind::kType,
                   .name = r.Text(i, 1),
                   .limit = {.max_starts = r.Int(i, 2), .period_ms = r.Int(i, 3)},
                   .window_start = r.Int(i, 4),
                   .used = r.Int(i, 5)});
  }
  return out;
}

QueueSettings ReadQueue(const PgResult& r, int i) {
  QueueSettings q;
  q.name = r.Text(i, 0);
  q.weight = static_cast<int>(r.Int(i, 1));
  if (!r.IsNull(i, 2)) q.concurrency_limit = static_cast<int>(r.Int(i, 2));
  q.paused = r.Int(i, 3) != 0;
  if (!r.IsNull(i, 4)) q.max_attempts = static_cast<int>(r.Int(i, 4));
  if (!r.IsNull(i, 5)) q.timeout_s = static_cast<int>(r.Int(i, 5));
  q.created_at = r.Int(i, 6);
  q.updated_at = r.Int(i, 7);
  q.retention = {r.OptInt(i, 8), r.OptInt(i, 9), r.OptInt(i, 10), r.OptInt(i, 11)};
  return q;
}

PgParam OptMsParam(const std::optional<TimeMs>& v) {
  return v ? PgParam(std::to_string(*v)) : std::nullopt;
}

PgParam OptIntParam(const std::optional<int>& v) {
  return v ? PgParam(std::to_string(*v)) : std::nullopt;
}

}  // namespace

Result<std::vector<store_ops::ClaimQueueRow>> PgJobStatements::ClaimQueues(TimeMs now) {
  if (auto lock = c_.Exec(q::kClaimLockLimitedQueues); !lock.ok()) return lock.status();
  auto r = c_.Exec(q::kClaimQueues, {PgInt(now)});
  if (!r.ok()) return r.status();
  std::vector<store_ops::ClaimQueueRow> out;
  for (int i = 0; i < r->rows(); ++i) {
    store_ops::ClaimQueueRow row{.name = r->Text(i, 0),
                                 .weight = static_cast<int>(r->Int(i, 1)),
                                 .paused = r->Int(i, 2) != 0,
                                 .running = r->Int(i, 4),
                                 .has_due = r->Int(i, 5) != 0};
    if (!r->IsNull(i, 3)) row.concurrency_limit = static_cast<int>(r->Int(i, 3));
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<RateLimitRow>> PgJobStatements::ClaimRateLimits() {
  auto r = c_.Exec(q::kClaimRateLimits);
  if (!r.ok()) return r.status();
  return ReadRateRows(*r);
}

Result<std::vector<RateLimitRow>> PgJobStatements::RateLimitsRead() {
  auto r = c_.Exec(q::kRateLimits);
  if (!r.ok()) return r.status();
  return ReadRateRows(*r);
}

Result<std::vector<store_ops::ClaimCandidate>> PgJobStatements::ClaimSelect(
    const store_ops::ClaimSelectParams& s) {
  auto r = c_.Exec(s.oldest_first ? q::kClaimSelectOldest : q::kClaimSelect,
                   {s.queue, PgInt(s.now), s.types, s.exclude, PgInt(s.limit)});
  if (!r.ok()) return r.status();
  std::vector<store_ops::ClaimCandidate> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->Int(i, 0), r->Text(i, 1)});
  return out;
}

Result<std::vector<JobRow>> PgJobStatements::ClaimMark(const std::string& seqs,
                                                       const JobClaimParams& p) {
  auto r = c_.Exec(q::kClaimMark,
                   {PgInt(p.now), p.worker_id, PgInt(p.now + p.lease_ms), seqs});
  if (!r.ok()) return r.status();
  return ReadPgJobRows(*r);
}

Status PgJobStatements::RateLimitUse(const RateLimitRow& row) {
  return c_.Exec(q::kRateLimitUse, {RateLimitKindName(row.kind), row.name,
                                    PgInt(row.window_start), PgInt(row.used)})
      .status();
}

Result<std::vector<QueueSettings>> PgJobStatements::QueuesRead() {
  auto r = c_.Exec(q::kQueues);
  if (!r.ok()) return r.status();
  std::vector<QueueSettings> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadQueue(*r, i));
  return out;
}

Result<std::optional<QueueSettings>> PgJobStatements::QueueRead(const std::string& name) {
  auto r = c_.Exec(q::kQueueForUpdate, {name});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<QueueSettings>();
  return std::optional<QueueSettings>(ReadQueue(*r, 0));
}

Status PgJobStatements::QueueWrite(const QueueSettings& qs) {
  return c_.Exec(q::kQueueWrite,
                 {qs.name, PgInt(qs.weight), OptIntParam(qs.concurrency_limit),
                  qs.paused ? "true" : "false", OptIntParam(qs.max_attempts),
                  OptIntParam(qs.timeout_s), PgInt(qs.created_at), PgInt(qs.updated_at),
                  OptMsParam(qs.retention.succeeded_ms), OptMsParam(qs.retention.failed_ms),
                  OptMsParam(qs.retention.cancelled_ms), OptMsParam(qs.retention.expired_ms)})
      .status();
}

Result<bool> PgJobStatements::RateLimitWrite(const RateLimitSetParams& p) {
  if (p.limit) {
    auto r = c_.Exec(q::kRateLimitSet, {RateLimitKindName(p.kind), p.name,
                                        PgInt(p.limit->max_starts), PgInt(p.limit->period_ms)});
    if (!r.ok()) return r.status();
    return true;
  }
  auto r = c_.Exec(q::kRateLimitDelete, {RateLimitKindName(p.kind), p.name});
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Result<std::vector<QueueStats>> PgJobStatements::QueueStatsRows(TimeMs now) {
  auto r = c_.Exec(q::kQueueStats, {PgInt(now - 60000)});
  if (!r.ok()) return r.status();
  std::vector<QueueStats> out;
  for (int i = 0; i < r->rows(); ++i) {
    const std::string queue = r->Text(i, 0);
    if (out.empty() || out.back().name != queue) out.push_back({.name = queue});
    QueueStats& qs = out.back();
    if (auto state = ParseJobState(r->Text(i, 1))) qs.by_state[*state] = r->Int(i, 2);
    qs.finished_last_minute += r->Int(i, 3);
    if (!r->IsNull(i, 4)) {
      const TimeMs t = r->Int(i, 4);
      qs.oldest_waiting_run_at = std::min(qs.oldest_waiting_run_at.value_or(t), t);
    }
  }
  return out;
}

}  // namespace conveyor
