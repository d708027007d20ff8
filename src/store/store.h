// Store: the one seam between Conveyor and its database. Every job transition is one store
// transaction that also appends a JobEvent. "Now" always comes in the params, so tests control
// time inside SQL too. Implementations: sqlite/SqliteStore (embedded, the default) and
// postgres/PostgresStore (several nodes sharing one database); both pass the conformance suite
// (tests/store/store_conformance.h). Operations whose logic is the same on both are written once
// (store_job_ops.h, store_rows.h); each backend folder keeps its SQL, schema, connection and
// codecs.
//
// Thread-safety: every method may be called from any thread concurrently.
// Durability: when a write method returns OK (or calls `done` with OK), the change is on disk.
// Writes that arrive together may share one transaction and one fsync (group commit); each
// caller still gets its own outcome, and one caller's error never fails another's write.
//
// Leaky spots, written down rather than hidden:
// - SQLite allows one writer at a time; SqliteStore serialises writes on its own thread.
// - JobInsertManyAsync may call `done` on a store thread (SQLite's writer thread, PostgreSQL's
//   async threads) or, when the store has no async path, inline before returning. Callers must
//   not block inside `done`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/api_key_types.h"
#include "store/job_event_rows.h"
#include "store/queue_types.h"
#include "store/store_retention.h"

namespace conveyor {

struct JobInsertManyParams {
  // Fully formed jobs (id, state, run_at, created_at, request_hash filled in by the caller).
  std::vector<Job> jobs;
  TimeMs now = 0;
  // How long a job holds its idempotency key, counted from its created_at (0: for ever). A job
  // created key_window_ms or more before `now` gives its key up to the batch in the same
  // transaction: the key is moved to the released column of its row (JobGet still shows it),
  // and the job carrying it is inserted as new.
  TimeMs key_window_ms = 0;
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
  // Never jobs of these types (external HTTP workers skip the built-in types unless named).
  std::vector<std::string> exclude_types;
};

struct JobCompletion {
  std::string id;
  std::string lease_token;
  std::string result;  // JSON text
  // Where the job's artifact lives (a path under the node's artifact directory), if it made one.
  std::optional<std::string> result_ref;
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
  std::optional<double> progress;  // 0..100, fractions allowed (65.5)
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

// Waiting jobs (SCHEDULED, PENDING, RETRYING) whose expires_at <= now become EXPIRED.
struct JobExpireDueParams {
  TimeMs now = 0;
  int limit = 1000;
};

inline constexpr size_t kMaxListExtraStates = 3;

struct JobListParams {
  std::optional<JobState> state;
  // Further states the filter matches, when a dialect's word covers several (seed 002's PENDING
  // is SCHEDULED, PENDING, RETRYING and BLOCKED); at most kMaxListExtraStates, only with `state`.
  std::vector<JobState> also_states;
  std::optional<std::string> type;
  std::optional<std::string> queue;
  int limit = 50;                     // 1..1000
  std::optional<std::string> cursor;  // a job id: list jobs older than it
  int offset = 0;                     // seed compatibility; cursor is the stable way
  // Only the jobs holding this key now (0 or 1 per tenant; through the unique key index). A job
  // whose key window passed no longer holds it (JobInsertManyParams::key_window_ms).
  std::optional<std::string> idempotency_key;
  // Only this tenant's jobs (a tenant's key listing; through the jobs_tenant index). nullopt:
  // every tenant's. With idempotency_key: the one job of this tenant holding it. "" is refused
  // (InvalidArgument): jobs without a tenant are not in that index.
  std::optional<std::string> tenant;
};

struct JobPage {
  std::vector<Job> jobs;                   // newest first
  std::optional<std::string> next_cursor;  // id of the last job when more may follow
};

// ---- Webhook deliveries -------------------------------------------------------------------
// When a job that has a webhook_url enters a terminal state (SUCCEEDED, FAILED, CANCELLED,
// EXPIRED), the SAME transaction inserts a pending delivery for it: event "job.succeeded",
// "job.failed", "job.cancelled" or "job.expired", next_attempt_at = the transition time.
// A crash can therefore never lose a webhook that a terminal state promised.
enum class DeliveryState { kPending, kDelivered, kFailed };
const char* DeliveryStateName(DeliveryState s);  // "pending" | "delivered" | "failed"

struct DeliveryAttempt {
  int attempt = 0;  // 1-based
  TimeMs at = 0;
  std::optional<int> status_code;  // HTTP status, when one came back
  std::string error;               // empty on success
  int64_t duration_ms = 0;
};

struct WebhookDelivery {
  std::string job_id;
  int n = 0;            // 1-based, per job, in creation order
  std::string event;    // "job.succeeded" | ...
  std::string url;      // the job's webhook_url when the delivery was created
  DeliveryState state = DeliveryState::kPending;
  // The JSON body, frozen at the first attempt so every retry sends the same bytes.
  std::optional<std::string> payload;
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::optional<int> last_status;
  std::optional<std::string> last_error;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::optional<TimeMs> delivered_at;
  std::vector<DeliveryAttempt> attempt_log;  // filled by DeliveryList only, oldest first
};

struct DeliveryClaimParams {
  TimeMs now = 0;
  int limit = 100;
  // Claimed deliveries get next_attempt_at = now + lease_ms: if the process dies mid-attempt,
  // the delivery is due again after that (at-least-once; receivers dedupe on webhook-id).
  TimeMs lease_ms = 60000;
};

enum class DeliveryOutcome { kDelivered, kRetry, kFailed };

struct DeliveryRecordParams {
  std::string job_id;
  int n = 0;
  TimeMs now = 0;
  DeliveryOutcome outcome = DeliveryOutcome::kDelivered;
  TimeMs next_attempt_at = 0;        // kRetry only
  std::optional<std::string> payload;  // stored when the delivery has none yet
  std::optional<int> status_code;
  std::string error;
  int64_t duration_ms = 0;
};

struct DeliveryRedeliverParams {
  std::string job_id;
  int n = 0;  // the delivery to send again: a NEW delivery (next n) with its url, event, payload
  TimeMs now = 0;
};

// ---- Nodes ------------------------------------------------------------------------------------
struct NodeInfo {
  std::string name;
  std::string role;  // "serve" (API + workers) | "api" | "worker"
  TimeMs started_at = 0;
  TimeMs last_seen_at = 0;
  int running_jobs = 0;
  bool leader = false;  // held the maintenance leadership at its last heartbeat
};

// ---- Statistics (GET /admin/stats) -----------------------------------------------------------
struct JobStatsParams {
  int max_types = 100;       // type counts beyond the most common ones are left out
  int recent_failures = 10;  // how many of the newest FAILED jobs to list
};

struct JobFailure {
  std::string id;
  std::string type;
  std::optional<std::string> error;
  int attempt = 0;
  std::optional<TimeMs> finished_at;
};

struct JobStats {
  std::map<JobState, int64_t> by_state;  // states with no job are absent
  // The most common types first (ties by name), at most max_types of them.
  std::vector<std::pair<std::string, int64_t>> by_type;
  double avg_failed_attempt = 0;  // mean `attempt` of FAILED jobs; 0 when there is none
  std::vector<JobFailure> recent_failures;  // FAILED jobs, newest finished_at first
};

// ---- Schedules (cron) -----------------------------------------------------------------------
// A named cron schedule whose ticks each become one job (runtime/schedule/scheduler.h). The store
// keeps the text; the runtime parses the cron and time zone and computes next_run_at.
struct Schedule {
  std::string name;
  std::string cron;
  std::string timezone = "UTC";
  std::string job;  // JSON text of the job template, as the client sent it
  bool paused = false;
  std::optional<TimeMs> next_run_at;  // the next tick; null when the expression never fires again
  std::optional<TimeMs> last_run_at;  // the last tick fired
  // After downtime: "latest" fires the most recent missed tick once; "none" fires no missed
  // tick (runtime/schedule/scheduler.h says when a tick counts as missed).
  std::string catch_up = "latest";
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

inline constexpr int64_t kMaxSchedules = 10000;

struct ScheduleUpsertParams {
  enum class Mode {
    kCreate,   // Conflict when the name exists; ResourceExhausted past max_schedules
    kReplace,  // NotFound when the name does not exist; created_at and last_run_at are kept
  };
  Schedule schedule;
  Mode mode = Mode::kCreate;
  int64_t max_schedules = kMaxSchedules;
};

struct ScheduleListParams {
  int limit = 100;                   // 1..1000
  std::optional<std::string> after;  // a name: list the schedules after it (by name)
};

struct ScheduleListDueParams {
  TimeMs now = 0;
  int limit = 100;
};

// Compare-and-set: applies only while the row still has expected_next_run_at and
// expected_updated_at (no other node advanced it, no client edited it since it was read).
struct ScheduleAdvanceParams {
  std::string name;
  TimeMs expected_next_run_at = 0;
  TimeMs expected_updated_at = 0;
  std::optional<TimeMs> next_run_at;
  std::optional<TimeMs> last_run_at;
};

// JobReader: the read-only slice of the Store that a job handler may be given (report.generate
// lists jobs; it must not be able to change one). Store is one.
class JobReader {
 public:
  virtual ~JobReader() = default;
  // Newest first, one page at a time (see JobListParams).
  virtual Result<JobPage> JobList(const JobListParams& p) = 0;
  // Counts by state and by type, and the dead-letter summary. Cost: the type counts scan every
  // job (no index on type, so inserts pay nothing for it); the rest walk indexes (jobs_state,
  // jobs_failed). Callers keep it off latency-sensitive threads.
  virtual Result<JobStats> JobStatsGet(const JobStatsParams& p) = 0;
};

class Store : public JobReader {
 public:
  ~Store() override = default;

  // Applies numbered migrations not yet applied. Idempotent.
  virtual Status Migrate() = 0;
  // OK when the database answers.
  virtual Status Ping() = 0;
  // OK when the store can accept a job: its most recent write transaction succeeded (see
  // store_readiness.h; probes an idle or failing store in the background). Unavailable with the
  // reason otherwise. Never blocks on the database: cheap enough for /ready on an I/O thread.
  virtual Status Readiness() = 0;

  // All-or-nothing: either every job is stored (or matched to its idempotent original), or none
  // is. A job whose idempotency_key exists with another request_hash fails the whole call with
  // Conflict naming the key; a key whose holder is older than p.key_window_ms is taken over.
  // Idempotency keys are per tenant: (job.tenant, idempotency_key) is what is unique, so two
  // tenants' jobs may carry the same key (and a doc_id, which is a key) without meeting. A
  // depends_on id naming another tenant's job is refused exactly as an unknown id is (a tenant
  // cannot learn that another's job exists); jobs without a tenant ("") may depend on any job.
  virtual Result<std::vector<InsertOutcome>> JobInsertMany(const JobInsertManyParams& p) = 0;
  virtual void JobInsertManyAsync(JobInsertManyParams p,
                                  std::function<void(Result<std::vector<InsertOutcome>>)> done) {
    done(JobInsertMany(p));
  }

  virtual Result<Job> JobGet(const std::string& id) = 0;
  Result<JobPage> JobList(const JobListParams& p) override = 0;  // JobReader's
  Result<JobStats> JobStatsGet(const JobStatsParams& p) override = 0;  // JobReader's
  // Oldest first. NotFound when the job does not exist.
  virtual Result<std::vector<JobEvent>> JobEventList(const std::string& id) = 0;
  // Every job's events with seq > after_seq, oldest (lowest seq) first, at most limit
  // (1..kMaxJobEventsRead, else InvalidArgument), each with its job's current columns. A read:
  // never on the writer. PostgreSQL numbers a row at INSERT, not at COMMIT, so a row may become
  // visible after a higher-numbered one: callers that must not miss one handle gaps
  // (runtime/events/event_gaps.h). SQLite numbers rows under its one writer: no such gap.
  virtual Result<std::vector<JobEventRow>> JobEventsAfter(int64_t after_seq, int limit) = 0;
  // The highest job_events seq visible now (0 when there is none).
  virtual Result<int64_t> JobEventsLastSeq() = 0;
  // RUNNING jobs' progress, most recently updated first, at most limit (1..kMaxProgressRead).
  virtual Result<std::vector<JobProgressRow>> JobRunningProgress(int limit) = 0;

  // Due waiting jobs (run_at <= now) that have not expired (no expires_at, or expires_at > now:
  // a job is never started after its expiry, even while the expirer lags). Each becomes RUNNING
  // with attempt+1, started_at=now, a fresh lease token, lease expiry now+lease_ms.
  // Which ones (store_claim.h): queues share the claim by weight (stride scheduling, per store
  // instance); paused queues give none; a queue's concurrency limit and the rate limits of its
  // queue and of job types are never exceeded, across every node. Within a queue, highest
  // priority (lowest number) first, then oldest run_at — except that one start in every
  // kAgeShare of a queue goes to its longest-waiting due job, whatever its priority, so no
  // stream of urgent jobs starves the rest. Returned in (priority, run_at) order.
  virtual Result<std::vector<Job>> JobClaim(const JobClaimParams& p) = 0;
  // When a claim that found work held back (a queue at its limit, a rate limit spent) may find
  // it again: the next rate window, or soon for a limit (another node's job may finish). Set by
  // this store instance's last claim; nullopt when nothing was held back.
  virtual std::optional<TimeMs> JobClaimHeldUntil() const { return std::nullopt; }
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
  // FAILED | CANCELLED | EXPIRED → PENDING with attempt=0 (a fresh budget); events are kept. An
  // expires_at <= now is cleared (the job could otherwise never run); a later one is kept.
  virtual Result<Job> JobRetry(const JobRetryParams& p) = 0;
  // RUNNING jobs whose lease expired: counted as a failed attempt → RETRYING or FAILED.
  // Returns the ids rescued.
  virtual Result<std::vector<std::string>> JobRescueExpired(const JobRescueExpiredParams& p) = 0;
  // Waiting jobs whose expires_at <= now → EXPIRED (finished_at = now, an event, and the
  // job.expired delivery when the job has a webhook_url), earliest expiry first, at most limit.
  // Returns the ids expired. On PostgreSQL, concurrent callers never expire the same row twice.
  virtual Result<std::vector<std::string>> JobExpireDue(const JobExpireDueParams& p) = 0;
  // Earliest expires_at among waiting jobs, if any (the expirer sleeps until then).
  virtual Result<std::optional<TimeMs>> JobNextExpiry() = 0;
  // Deletes finished jobs of p.state old enough to go, with everything that hangs off them
  // (store_retention.h says which and why some are kept), looking at most p.limit of them in
  // one short write transaction. Returns the ids deleted and where the next call goes on.
  // InvalidArgument (CheckPruneParams) for a state that is not terminal or a bad limit.
  virtual Result<JobPruneOutcome> JobPrune(const JobPruneParams& p) = 0;
  // Earliest run_at among waiting jobs, if any (a dispatcher sleeps until then).
  virtual Result<std::optional<TimeMs>> JobNextRunAt() = 0;
  // Number of jobs per state (states with no job are absent).
  virtual Result<std::map<JobState, int64_t>> JobCountByState() = 0;

  // --- Webhook deliveries (see WebhookDelivery above) ---
  // Due pending deliveries (next_attempt_at <= now), oldest first; each gets
  // next_attempt_at = now + lease_ms. On PostgreSQL, concurrent callers never get the same row.
  virtual Result<std::vector<WebhookDelivery>> DeliveryClaimDue(const DeliveryClaimParams& p) = 0;
  // Appends an attempt row and applies the outcome: kDelivered → delivered, kRetry → pending
  // until next_attempt_at, kFailed → failed. NotFound when the delivery does not exist;
  // FailedPrecondition when it is no longer pending.
  virtual Status DeliveryRecord(const DeliveryRecordParams& p) = 0;
  // DeliveryRecord for many deliveries in ONE write (one SQLite writer operation, one PostgreSQL
  // transaction): one status per record, in order, each what DeliveryRecord would answer, and
  // InvalidArgument for a delivery an earlier record of the same call names (one claim, one
  // attempt). A store error fails the call as a whole and writes none of them: every delivery
  // stays pending under its claim's lease and is due again when the lease ends (never lost,
  // never recorded twice).
  virtual Result<std::vector<Status>> DeliveryRecordMany(
      const std::vector<DeliveryRecordParams>& records) = 0;
  // A job's deliveries with their attempt logs, by n. NotFound when the job does not exist.
  virtual Result<std::vector<WebhookDelivery>> DeliveryList(const std::string& job_id) = 0;
  // NotFound when the job or delivery does not exist. Returns the new pending delivery.
  virtual Result<WebhookDelivery> DeliveryRedeliver(const DeliveryRedeliverParams& p) = 0;
  // Earliest next_attempt_at among pending deliveries, if any.
  virtual Result<std::optional<TimeMs>> DeliveryNextAt() = 0;
  virtual Result<int64_t> DeliveryCountPending() = 0;

  // --- Queues and rate limits (queue_types.h) ---
  // Every queue, by name.
  virtual Result<std::vector<QueueSettings>> QueueList() = 0;
  // Applies the change (creating the queue when absent) and returns the queue as it now is.
  virtual Result<QueueSettings> QueuePatch(const QueuePatchParams& p) = 0;
  // Job counts per queue and state, finished in the last minute, oldest waiting. Cost: a scan
  // of every job (callers keep it off latency-sensitive threads and cache it).
  virtual Result<std::vector<QueueStats>> QueueStatsGet(TimeMs now) = 0;
  // Every rate limit (queues' and types') with its current window.
  virtual Result<std::vector<RateLimitRow>> RateLimitList() = 0;
  // Sets or (limit nullopt) removes one; NotFound when removing what does not exist.
  virtual Status RateLimitSet(const RateLimitSetParams& p) = 0;

  // --- Schedules (see Schedule above) ---
  // Returns the stored row. kCreate/kReplace as their comments say.
  virtual Result<Schedule> ScheduleUpsert(const ScheduleUpsertParams& p) = 0;
  // NotFound when no schedule has that name.
  virtual Result<Schedule> ScheduleGet(const std::string& name) = 0;
  // By name.
  virtual Result<std::vector<Schedule>> ScheduleList(const ScheduleListParams& p) = 0;
  // NotFound when no schedule has that name.
  virtual Status ScheduleDelete(const std::string& name) = 0;
  // Schedules not paused whose next_run_at <= now, earliest first, at most limit.
  virtual Result<std::vector<Schedule>> ScheduleListDue(const ScheduleListDueParams& p) = 0;
  // true when the row was advanced; false when it changed since it was read (another node fired
  // it, or a client edited or deleted it): the caller drops what it read.
  virtual Result<bool> ScheduleAdvance(const ScheduleAdvanceParams& p) = 0;
  // Earliest next_run_at among schedules not paused, if any (the scheduler sleeps until then).
  virtual Result<std::optional<TimeMs>> ScheduleNextRunAt() = 0;

  // --- API keys (api_key_types.h) ---
  // Conflict when the name (or id) is taken; ResourceExhausted past max_keys; NotFound when
  // row.tenant names no tenant.
  virtual Status ApiKeyCreate(const ApiKeyRow& row, int64_t max_keys) = 0;
  // Every key, revoked ones included, by name.
  virtual Result<std::vector<ApiKeyRow>> ApiKeyList() = 0;
  // Sets revoked_at (a second revoke keeps the first time) and returns the row; NotFound when
  // no key has that name.
  virtual Result<ApiKeyRow> ApiKeyRevoke(const std::string& name, TimeMs now) = 0;
  virtual Result<ApiKeysVersion> ApiKeysVersionGet() = 0;
  // last_used_at = max(last_used_at, at) for each; unknown ids are skipped.
  virtual Status ApiKeysTouch(const std::vector<ApiKeyUse>& uses) = 0;
  // Adds to the key's use of one limit in the window starting at window_start and returns the
  // stored window with its total over every node. A stored older window is replaced (its count
  // starts over); a stored newer window is left alone and returned (this node's clock lags).
  virtual Result<ApiKeyUsage> ApiKeyUsageAdd(const ApiKeyUsageAddParams& p) = 0;

  // --- Tenants (api_key_types.h) ---
  // Creates the tenant (created_at and updated_at as given), or changes its plan (created_at
  // kept; updated_at = row.updated_at, or 1 ms past the latest updated_at of any tenant when
  // that is not earlier, so every change moves ApiKeysVersion even within one millisecond or
  // from a node whose clock lags). ResourceExhausted when creating one past max_tenants;
  // InvalidArgument for a name or plan the schema refuses. Returns the stored row. Safe for
  // concurrent callers on every node.
  virtual Result<TenantRow> TenantSet(const TenantRow& row, int64_t max_tenants) = 0;
  // Every tenant, by name.
  virtual Result<std::vector<TenantRow>> TenantList() = 0;

  // --- Nodes and leadership ---
  // Upsert by name (last_seen_at = info.last_seen_at).
  virtual Status NodeHeartbeat(const NodeInfo& info) = 0;
  // Every node seen, most recently seen first.
  virtual Result<std::vector<NodeInfo>> NodeList() = 0;
  // Maintenance loops (lease rescue, delivery of stranded work) run only where this answers
  // true. SQLite: one process owns the file, always true. PostgreSQL: a session advisory lock
  // held on a dedicated connection; false while another node holds it or the connection is gone
  // (then it tries again on the next call).
  virtual Result<bool> LeaderTryAcquire() = 0;

  // True where the backend can push wake-ups (PostgreSQL LISTEN/NOTIFY); SQLite lives in one
  // process, so the runtime wakes itself.
  virtual bool SupportsListenNotify() const { return false; }
  // Only where SupportsListenNotify(): calls on_jobs (from a store thread, must not block) when a
  // transaction on any node made jobs available (insert, retry, release). Called once at start.
  virtual Status Listen(std::function<void()> on_jobs) {
    (void)on_jobs;
    return Status::FailedPrecondition("this store cannot push wake-ups; the runtime polls");
  }
};

}  // namespace conveyor
