// The job operations whose logic is the same on every backend, written once. Each is a template
// over `Db`, a backend's job statements bound to one connection (PgJobStatements,
// SqliteJobStatements): the backend keeps its SQL, binding and row reading; the order of the
// steps, the decisions and the errors live here. Templates, not virtual calls: each backend's
// instantiation compiles to what it would have written by hand.
//
// `Db` offers the following; every write runs inside the transaction its store opened for the
// operation, and "exactly one row" updates report Internal otherwise.
//   Result<JobRow> JobLoad(const std::string& id, JobLock lock);   NotFoundJob when absent
//   Status JobStaleLease(const std::string& id);     why a guarded write matched nothing
//   Result<JobRow> JobUpdate(JobUpdateKind what, int64_t seq, TimeMs now);   exactly one row
//   Result<JobRow> JobFailUpdate(const JobFailWrite& w);                    exactly one row
//   Result<std::optional<HeartbeatOutcome>> JobHeartbeatUpdate(const JobHeartbeatParams& p);
//                                                    nullopt when the lease token is stale
//   (the claim's statements: store_claim.h; the queues': store_queue_ops.h)
//   Result<std::unordered_set<std::string>> JobCompleteRows(std::string completions, TimeMs now);
//                                                    completions: EncodeCompletions' JSON;
//                                                    returns the ids it completed
//   Status JobEventAppend(int64_t job_seq, TimeMs at, std::optional<JobState> from, JobState to,
//                         int attempt, std::string_view message);
//   Result<std::vector<JobEvent>> JobEventsOf(int64_t job_seq);          oldest first
//   Result<std::optional<int64_t>> JobSeqOf(const std::string& id);
//   Result<std::vector<Job>> JobPageRows(const JobListParams& p, int64_t before_seq);
//   Status JobsWithKeys(const std::vector<TenantKey>& keys, KeyHolders& found);
//                                                    the holders of these (tenant, key) pairs
//   Status JobKeysRelease(const std::vector<TenantKey>& keys, TimeMs created_at_most);
//                                                    moves each key of a job of that tenant
//                                                    created at or before the cutoff to its
//                                                    released column
//   Result<bool> JobInsertRows(const std::vector<const Job*>& jobs, TimeMs now);
//                                                    false: a key raced a concurrent insert
//   Status DeliveryEnqueue(const JobRow& job, JobState to, TimeMs now);
//                                                    the webhook a terminal state promises
//   void JobsClaimable();    this transaction made jobs claimable (PostgreSQL: NOTIFY at COMMIT)
//
// Backend-specific on purpose, and so not here: release and rescue (one statement with SKIP
// LOCKED on PostgreSQL, a loop or select-then-update under the one writer on SQLite), the
// deliveries (keyed by delivery seq and row-locked on PostgreSQL, by job seq and guarded updates
// on SQLite), and the insert's race loop (only PostgreSQL has concurrent writers).
// Thread-safety: that of `Db` (none; the connection's holder serialises use).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/store.h"
#include "store/store_completions.h"
#include "store/store_dependencies.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_rules.h"

namespace conveyor::store_ops {

// Whether a load locks the job row until COMMIT (PostgreSQL FOR UPDATE; SQLite's one writer
// already excludes every other write).
enum class JobLock { kNone, kForUpdate };

// The single-row updates that operator transitions make, each bound with (seq, now).
enum class JobUpdateKind {
  kCancelNow,      // → CANCELLED, lease cleared
  kCancelRequest,  // cancel_requested = true, the worker acknowledges
  kRetry,          // → PENDING with attempt 0 and the last attempt's traces cleared
};

// What JobFail writes to the row: RETRYING with a new run_at, or FAILED with finished_at.
struct JobFailWrite {
  int64_t seq = 0;
  JobState to = JobState::kFailed;
  TimeMs run_at = 0;
  std::optional<TimeMs> finished_at;
  std::string_view error;
  TimeMs now = 0;
};

// The rest of every single-job transition once its row is updated: the event, the webhook
// delivery a terminal state promises, and a wake-up when the job can be claimed again.
template <class Db>
Result<Job> JobTransitionFinish(Db& db, int64_t seq, JobState from, JobRow& updated, JobState to,
                                int attempt, TimeMs now, std::string_view message) {
  if (Status e = db.JobEventAppend(seq, now, from, to, attempt, message); !e.ok()) return e;
  if (IsTerminal(to)) {
    if (Status d = db.DeliveryEnqueue(updated, to, now); !d.ok()) return d;
    // Its BLOCKED dependents follow it, in this transaction (store_dependencies.h).
    Status deps =
        store_deps::SettleDependents(db, {{.seq = seq, .id = updated.job.id, .state = to}}, now);
    if (!deps.ok()) return deps;
  }
  if (IsWaiting(to)) db.JobsClaimable();
  return std::move(updated.job);
}

// Runs `what` on the loaded job and records from → to.
template <class Db>
Result<Job> JobTransition(Db& db, const JobRow& row, JobUpdateKind what, JobState to, TimeMs now,
                          std::string_view message) {
  Result<JobRow> updated = db.JobUpdate(what, row.seq, now);
  if (!updated.ok()) return updated.status();
  return JobTransitionFinish(db, row.seq, row.job.state, *updated, to, updated->job.attempt, now,
                             message);
}

template <class Db>
Result<Job> JobCancel(Db db, const JobCancelParams& p) {
  Result<JobRow> row = db.JobLoad(p.id, JobLock::kForUpdate);
  if (!row.ok()) return row.status();
  Result<CancelAction> action = ChooseCancel(row->job);
  if (!action.ok()) return action.status();
  switch (*action) {
    case CancelAction::kCancelNow:
      return JobTransition(db, *row, JobUpdateKind::kCancelNow, JobState::kCancelled, p.now,
                           "cancelled");
    case CancelAction::kRequestCancel:
      return JobTransition(db, *row, JobUpdateKind::kCancelRequest, JobState::kRunning, p.now,
                           "cancel requested");
    case CancelAction::kAlreadyRequested:
      break;
  }
  return std::move(row->job);  // asked already: no new event
}

template <class Db>
Result<Job> JobCancelAck(Db db, const JobCancelAckParams& p) {
  Result<JobRow> row = db.JobLoad(p.id, JobLock::kForUpdate);
  if (!row.ok()) return row.status();
  if (!HoldsLease(row->job, p.lease_token)) return db.JobStaleLease(p.id);
  return JobTransition(db, *row, JobUpdateKind::kCancelNow, JobState::kCancelled, p.now,
                       "cancelled while running");
}

template <class Db>
Result<Job> JobRetry(Db db, const JobRetryParams& p) {
  Result<JobRow> row = db.JobLoad(p.id, JobLock::kForUpdate);
  if (!row.ok()) return row.status();
  if (Status s = CheckRetryable(row->job); !s.ok()) return s;
  return JobTransition(db, *row, JobUpdateKind::kRetry, JobState::kPending, p.now,
                       "retried by operator");
}

template <class Db>
Result<Job> JobFail(Db db, const JobFailParams& p) {
  Result<JobRow> row = db.JobLoad(p.id, JobLock::kForUpdate);
  if (!row.ok()) return row.status();
  const Job& job = row->job;
  if (!HoldsLease(job, p.lease_token)) return db.JobStaleLease(p.id);
  const bool retry = RetriesAfterFailure(job, p);
  const JobState to = retry ? JobState::kRetrying : JobState::kFailed;
  Result<JobRow> updated = db.JobFailUpdate(
      JobFailWrite{.seq = row->seq,
                   .to = to,
                   .run_at = retry ? p.retry_at : job.run_at,
                   .finished_at = retry ? std::nullopt : std::optional<TimeMs>(p.now),
                   .error = p.error,
                   .now = p.now});
  if (!updated.ok()) return updated.status();
  return JobTransitionFinish(db, row->seq, JobState::kRunning, *updated, to, job.attempt, p.now,
                             p.error);
}

template <class Db>
Result<HeartbeatOutcome> JobHeartbeat(Db db, const JobHeartbeatParams& p) {
  Result<std::optional<HeartbeatOutcome>> out = db.JobHeartbeatUpdate(p);
  if (!out.ok()) return out.status();
  if (*out) return **out;
  return db.JobStaleLease(p.id);
}

template <class Db>
Result<std::vector<Status>> JobCompleteMany(Db db, const JobCompleteManyParams& p) {
  std::vector<bool> repeated;
  Result<std::unordered_set<std::string>> succeeded =
      db.JobCompleteRows(EncodeCompletions(p, repeated), p.now);
  if (!succeeded.ok()) return succeeded.status();
  return CompletionOutcomes(p, repeated, *succeeded,
                            [&db](const std::string& id) { return db.JobStaleLease(id); });
}

template <class Db>
Result<Job> JobGet(Db db, const std::string& id) {
  Result<JobRow> row = db.JobLoad(id, JobLock::kNone);
  if (!row.ok()) return row.status();
  return std::move(row->job);
}

template <class Db>
Result<std::vector<JobEvent>> JobEventList(Db db, const std::string& id) {
  Result<JobRow> row = db.JobLoad(id, JobLock::kNone);
  if (!row.ok()) return row.status();
  return db.JobEventsOf(row->seq);
}

// The seq of the job p.cursor names; nullopt when it names none or, in a tenant's listing,
// another tenant's job (refused alike: a tenant cannot learn that another's job exists).
template <class Db>
Result<std::optional<int64_t>> CursorSeq(Db& db, const JobListParams& p) {
  if (!p.tenant) return db.JobSeqOf(*p.cursor);
  Result<JobRow> row = db.JobLoad(*p.cursor, JobLock::kNone);
  if (!row.ok() && row.status().code() == StatusCode::kNotFound) return std::optional<int64_t>();
  if (!row.ok()) return row.status();
  if (row->job.tenant != *p.tenant) return std::optional<int64_t>();
  return std::optional<int64_t>(row->seq);
}

template <class Db>
Result<JobPage> JobList(Db db, const JobListParams& p) {
  if (Status v = ValidateListParams(p); !v.ok()) return v;
  int64_t before = INT64_MAX;  // no cursor: from the newest job on
  if (p.cursor) {
    Result<std::optional<int64_t>> seq = CursorSeq(db, p);
    if (!seq.ok()) return seq.status();
    if (!*seq) return Status::InvalidArgument("cursor does not name a job");
    before = **seq;
  }
  Result<std::vector<Job>> jobs = db.JobPageRows(p, before);
  if (!jobs.ok()) return jobs.status();
  JobPage page{.jobs = std::move(*jobs)};
  if (static_cast<int>(page.jobs.size()) == p.limit) page.next_cursor = page.jobs.back().id;
  return page;
}

// One pass of JobInsertMany: idempotency resolution against the stored keys (a key past its
// window is released and taken over), then the insert of every new job with its first event.
// nullopt when a concurrent transaction committed one of the batch's keys between the lookup and
// the insert (PostgreSQL only): the caller undoes the pass and runs it again.
template <class Db>
Result<std::optional<std::vector<InsertOutcome>>> JobInsertPass(Db db,
                                                                const JobInsertManyParams& p) {
  KeyHolders stored;
  if (const std::vector<TenantKey> keys = IdempotencyKeys(p.jobs); !keys.empty()) {
    if (Status s = db.JobsWithKeys(keys, stored); !s.ok()) return s;
  }
  // Keys past their window are free: resolution treats them as unknown, and they are released
  // before the insert reuses them (only the holder read above, never a newer one: the cutoff).
  const std::vector<TenantKey> released = TakeReleasableKeys(stored, p.now, p.key_window_ms);
  std::vector<InsertOutcome> out;
  Result<std::vector<const Job*>> fresh = ResolveIdempotency(p.jobs, stored, out);
  if (!fresh.ok()) return fresh.status();
  if (fresh->empty()) return std::optional(std::move(out));
  if (!released.empty()) {
    const TimeMs cutoff = KeyReleaseCutoff(p.now, p.key_window_ms);
    if (Status s = db.JobKeysRelease(released, cutoff); !s.ok()) return s;
  }
  std::vector<Job> dependents;  // the new jobs as their dependencies left them, when any has one
  const bool deps = HasDependencies(*fresh);
  if (deps) {
    Status s = store_deps::DependenciesPrepare(db, p.jobs, *fresh, out, dependents, p.now);
    if (!s.ok()) return s;
  }
  Result<bool> all_in = db.JobInsertRows(*fresh, p.now);
  if (!all_in.ok()) return all_in.status();
  if (!*all_in) return std::optional<std::vector<InsertOutcome>>();
  if (deps) {
    if (Status s = store_deps::DependenciesRecord(db, dependents, p.now); !s.ok()) return s;
  }
  db.JobsClaimable();
  return std::optional(std::move(out));
}

}  // namespace conveyor::store_ops
