// Store: the one seam between Conveyor and its database. Every job transition is one store
// transaction that also appends a JobEvent. "Now" always comes in the params, so tests control
// time inside SQL too. Implementations: sqlite/SqliteStore (embedded default); PostgreSQL later.
//
// Thread-safety: every method may be called from any thread concurrently.
// Durability: when a write method returns OK (or calls `done` with OK), the change is on disk.
// Writes that arrive together may share one transaction and one fsync (group commit); each
// caller still gets its own outcome, and one caller's error never fails another's write.
//
// Leaky spots, written down rather than hidden:
// - SQLite allows one writer at a time; SqliteStore serialises writes on its own thread.
// - JobInsertManyAsync may call `done` on the store's writer thread or, when the store has no
//   async path, inline before returning. Callers must not block inside `done`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/status.h"

namespace conveyor {

struct JobInsertManyParams {
  // Fully formed jobs (id, state, run_at, created_at, request_hash filled in by the caller).
  std::vector<Job> jobs;
  TimeMs now = 0;
};

struct InsertOutcome {
  Job job;              // the stored job: the new one, or the original on an idempotent replay
  bool is_new = true;   // false: a job with the same idempotency key and request_hash existed
};

struct JobClaimParams {
  std::string worker_id;
  int max = 1;
  TimeMs now = 0;
  TimeMs lease_ms = 30000;
  // Only jobs of these types (empty: any type).
  std::vector<std::string> types;
  // Only jobs in these queues (empty: any queue).
  std::vector<std::string> queues;
};

struct JobCompletion {
  std::string id;
  std::string lease_token;
  std::string result;  // JSON text
};

struct JobCompleteManyParams {
  std::vector<JobCompletion> completions;
  TimeMs now = 0;
};

struct JobFailParams {
  std::string id;
  std::string lease_token;
  std::string error;
  bool retryable = true;
  // When retryable and attempts remain, the job waits in RETRYING until this time.
  TimeMs retry_at = 0;
  TimeMs now = 0;
};

struct JobHeartbeatParams {
  std::string id;
  std::string lease_token;
  TimeMs lease_expires_at = 0;
  std::optional<int> progress;  // 0..100
  std::optional<std::string> message;
  std::optional<std::string> current_step;
  TimeMs now = 0;
};

struct HeartbeatOutcome {
  bool cancel_requested = false;
};

struct JobCancelParams {
  std::string id;
  TimeMs now = 0;
};

// A RUNNING job's handler stopped because of a cancel request: RUNNING → CANCELLED.
struct JobCancelAckParams {
  std::string id;
  std::string lease_token;
  TimeMs now = 0;
};

// Jobs claimed but never started (shutdown): RUNNING with that token → PENDING, attempt - 1.
struct JobReleaseManyParams {
  std::vector<std::pair<std::string, std::string>> jobs;  // (id, lease_token)
  TimeMs now = 0;
};

struct JobRetryParams {
  std::string id;
  TimeMs now = 0;
};

struct JobRescueExpiredParams {
  TimeMs now = 0;
  int limit = 1000;
  // Rescued jobs with attempts left wait in RETRYING until now + retry_delay_ms.
  TimeMs retry_delay_ms = 0;
};

struct JobListParams {
  std::optional<JobState> state;
  std::optional<std::string> type;
  std::optional<std::string> queue;
  int limit = 50;                     // 1..1000
  std::optional<std::string> cursor;  // a job id: list jobs older than it
  int offset = 0;                     // seed compatibility; cursor is the stable way
};

struct JobPage {
  std::vector<Job> jobs;                   // newest first
  std::optional<std::string> next_cursor;  // id of the last job when more may follow
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies numbered migrations not yet applied. Idempotent.
  virtual Status Migrate() = 0;
  // OK when the database answers.
  virtual Status Ping() = 0;

  // All-or-nothing: either every job is stored (or matched to its idempotent original), or none
  // is. A job whose idempotency_key exists with another request_hash fails the whole call with
  // Conflict naming the key.
  virtual Result<std::vector<InsertOutcome>> JobInsertMany(const JobInsertManyParams& p) = 0;
  virtual void JobInsertManyAsync(JobInsertManyParams p,
                                  std::function<void(Result<std::vector<InsertOutcome>>)> done) {
    done(JobInsertMany(p));
  }

  virtual Result<Job> JobGet(const std::string& id) = 0;
  virtual Result<JobPage> JobList(const JobListParams& p) = 0;
  // Oldest first. NotFound when the job does not exist.
  virtual Result<std::vector<JobEvent>> JobEventList(const std::string& id) = 0;

  // Due waiting jobs (run_at <= now), highest priority (lowest number) first, then oldest run_at.
  // Each becomes RUNNING with attempt+1, started_at=now, a fresh lease token, lease expiry now+lease_ms.
  virtual Result<std::vector<Job>> JobClaim(const JobClaimParams& p) = 0;
  // Per completion: RUNNING with that token → SUCCEEDED. A stale token leaves the job as it is;
  // its entry in the returned vector is Conflict (NotFound if no such job).
  virtual Result<std::vector<Status>> JobCompleteMany(const JobCompleteManyParams& p) = 0;
  // RUNNING with that token → RETRYING (retryable, attempts left) or FAILED. Returns the new job.
  virtual Result<Job> JobFail(const JobFailParams& p) = 0;
  // Extends the lease; Conflict on a stale token.
  virtual Result<HeartbeatOutcome> JobHeartbeat(const JobHeartbeatParams& p) = 0;
  // Waiting → CANCELLED at once; RUNNING → cancel_requested=true (the handler stops, then
  // JobCancelAck). FailedPrecondition when the job is already terminal.
  virtual Result<Job> JobCancel(const JobCancelParams& p) = 0;
  virtual Result<Job> JobCancelAck(const JobCancelAckParams& p) = 0;
  // Stale tokens are skipped. Returns how many jobs were released.
  virtual Result<int> JobReleaseMany(const JobReleaseManyParams& p) = 0;
  // FAILED | CANCELLED | EXPIRED → PENDING with attempt=0 (a fresh budget); events are kept.
  virtual Result<Job> JobRetry(const JobRetryParams& p) = 0;
  // RUNNING jobs whose lease expired: counted as a failed attempt → RETRYING or FAILED.
  // Returns the ids rescued.
  virtual Result<std::vector<std::string>> JobRescueExpired(const JobRescueExpiredParams& p) = 0;
  // Earliest run_at among waiting jobs, if any (a dispatcher sleeps until then).
  virtual Result<std::optional<TimeMs>> JobNextRunAt() = 0;
  // Number of jobs per state (states with no job are absent).
  virtual Result<std::map<JobState, int64_t>> JobCountByState() = 0;

  // True where the backend can push wake-ups (PostgreSQL LISTEN/NOTIFY); SQLite lives in one
  // process, so the runtime wakes itself.
  virtual bool SupportsListenNotify() const { return false; }
};

}  // namespace conveyor
