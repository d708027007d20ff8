// The DML of SqliteStore, grouped by the Store method that runs it. The DDL lives in
// sqlite_schema.h. Column order of CONVEYOR_JOB_COLUMNS is the order ReadJobRow (store_rows.h)
// reads.
//
// Multi-row work binds a JSON array and expands it with json_each(), so a claim of 64 jobs or a
// completion of 64 jobs is a handful of statement executions rather than one per job.
#pragma once

namespace conveyor::sqlite_queries {

#define CONVEYOR_JOB_COLUMNS                                                                    \
  "seq, id, type, queue, payload, state, priority, attempt, max_attempts, run_at, expires_at, " \
  "timeout_s, coalesce(idempotency_key, idempotency_key_released), correlation_id, "            \
  "webhook_url, depends_on, tags, progress, "                                                   \
  "message, current_step, result, result_ref, error, created_at, started_at, finished_at, "    \
  "updated_at, lease_owner, lease_token, lease_expires_at, cancel_requested, request_hash, "   \
  "dialect, tenant, traceparent, tracestate"

// A waiting job, as the partial indexes jobs_claim and jobs_expiry say it (migration 14): a query
// that uses them must repeat the predicate in this form, or SQLite will not take the index.
#define CONVEYOR_WAITING_STATE "(state = 'PENDING' OR state = 'SCHEDULED' OR state = 'RETRYING')"
#define CONVEYOR_WAITING_OR_BLOCKED_STATE \
  "(state = 'PENDING' OR state = 'SCHEDULED' OR state = 'RETRYING' OR state = 'BLOCKED')"

#define CONVEYOR_CLEAR_LEASE "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL"

#define CONVEYOR_INSERT_EVENT \
  "INSERT INTO job_events (job_seq, at, from_state, to_state, attempt, message) "

// Column list of an insert (every job column but seq, in row-codec order).
inline constexpr const char* kInsertColumns =
    "id, type, queue, payload, state, priority, attempt, max_attempts, run_at, expires_at, "
    "timeout_s, idempotency_key, correlation_id, webhook_url, depends_on, tags, progress, "
    "message, current_step, result, result_ref, error, created_at, started_at, finished_at, "
    "updated_at, lease_owner, lease_token, lease_expires_at, cancel_requested, request_hash, "
    "dialect, tenant, traceparent, tracestate";
inline constexpr int kInsertColumnCount = 35;

// --- reads shared by several methods ---
inline constexpr const char* kSelectJobById =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs WHERE id = ?1";
inline constexpr const char* kSelectSeqById = "SELECT seq FROM jobs WHERE id = ?1";
inline constexpr const char* kSelectStateById = "SELECT state FROM jobs WHERE id = ?1";
inline constexpr const char* kInsertEvent =
    CONVEYOR_INSERT_EVENT "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

// --- JobInsertMany ---  ?1 JSON array of [key, tenant] (EncodeTenantKeys): one seek each of
// jobs_idempotency_key on (idempotency_key, tenant). The keys alone come first because only a
// term on idempotency_key itself proves the partial index's `IS NOT NULL` (the row value alone
// scans every job); the pairs then match the tenant.
#define CONVEYOR_TENANT_KEYS                                                 \
  " idempotency_key IN (SELECT value ->> 0 FROM json_each(?1))"              \
  " AND (idempotency_key, tenant) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))"
inline constexpr const char* kSelectJobsByKeys =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs WHERE" CONVEYOR_TENANT_KEYS;
// ?2 the cutoff: only holders created at or before it give their key up.
inline constexpr const char* kReleaseKeys =
    "UPDATE jobs SET idempotency_key_released = idempotency_key, idempotency_key = NULL"
    " WHERE" CONVEYOR_TENANT_KEYS " AND created_at <= ?2";
inline constexpr const char* kMaxSeq = "SELECT coalesce(max(seq), 0) FROM jobs";
// Rows inserted in this transaction have seq above the max taken before (one writer).
inline constexpr const char* kInsertEventsForNewJobs =
    CONVEYOR_INSERT_EVENT "SELECT seq, ?2, NULL, state, attempt, '' FROM jobs WHERE seq > ?1";

// --- JobClaim ---  Its selection is in sqlite_queue_queries.h; ?1 now, ?2 worker, ?3 lease
// expiry, ?4 JSON array of seqs.
// Lease token: 128 random bits as 32 lower-case hex characters, one per job (same shape as
// NewToken()), drawn inside the statement so the claim stays one UPDATE.
inline constexpr const char* kClaimUpdate =
    "UPDATE jobs SET state = 'RUNNING', attempt = attempt + 1, started_at = ?1, updated_at = ?1,"
    " lease_owner = ?2, lease_token = lower(hex(randomblob(16))), lease_expires_at = ?3"
    " WHERE seq IN (SELECT value FROM json_each(?4)) RETURNING " CONVEYOR_JOB_COLUMNS;

// --- JobCompleteMany ---  ?1 now, ?2 JSON array of [id, lease_token, result, result_ref].
// Events first, while the matched jobs still read RUNNING; then one UPDATE for all of them. It
// returns the webhook_url too, so only jobs that have one pay for a delivery row.
// The unary + keeps the planner off jobs_state, so it walks the array and looks each id up.
#define CONVEYOR_COMPLETE_MATCH \
  " jobs.id = c.value ->> 0 AND +jobs.state = 'RUNNING' AND jobs.lease_token = c.value ->> 1"
inline constexpr const char* kCompleteEvents =
    CONVEYOR_INSERT_EVENT
    "SELECT jobs.seq, ?1, 'RUNNING', 'SUCCEEDED', jobs.attempt, '' FROM json_each(?2) AS c"
    " CROSS JOIN jobs ON" CONVEYOR_COMPLETE_MATCH;
inline constexpr const char* kComplete =
    "UPDATE jobs SET state = 'SUCCEEDED', result = c.value ->> 2, result_ref = c.value ->> 3,"
    " progress = 100, finished_at = ?1, updated_at = ?1, " CONVEYOR_CLEAR_LEASE
    " FROM json_each(?2) AS c WHERE" CONVEYOR_COMPLETE_MATCH
    " RETURNING jobs.id, jobs.seq, jobs.webhook_url, jobs.has_dependents";

// --- JobFail ---
inline constexpr const char* kFail =
    "UPDATE jobs SET state = ?2, run_at = ?3, finished_at = ?4, error = ?5, updated_at = ?6, "
    CONVEYOR_CLEAR_LEASE " WHERE seq = ?1 RETURNING " CONVEYOR_JOB_COLUMNS;

// --- JobHeartbeat ---
inline constexpr const char* kHeartbeat =
    "UPDATE jobs SET lease_expires_at = ?3, progress = coalesce(?4, progress),"
    " message = coalesce(?5, message), current_step = coalesce(?6, current_step),"
    " updated_at = ?7 WHERE id = ?1 AND state = 'RUNNING' AND lease_token = ?2"
    " RETURNING cancel_requested";

// --- JobCancel, JobCancelAck ---
inline constexpr const char* kCancelNow =
    "UPDATE jobs SET state = 'CANCELLED', finished_at = ?2, updated_at = ?2, " CONVEYOR_CLEAR_LEASE
    " WHERE seq = ?1 RETURNING " CONVEYOR_JOB_COLUMNS;
inline constexpr const char* kCancelRequest =
    "UPDATE jobs SET cancel_requested = 1, updated_at = ?2 WHERE seq = ?1 RETURNING "
    CONVEYOR_JOB_COLUMNS;

// --- JobReleaseMany ---
inline constexpr const char* kRelease =
    "UPDATE jobs SET state = 'PENDING', attempt = max(attempt - 1, 0),"
    " started_at = CASE WHEN attempt <= 1 THEN NULL ELSE started_at END, updated_at = ?3, "
    CONVEYOR_CLEAR_LEASE " WHERE id = ?1 AND state = 'RUNNING' AND lease_token = ?2"
    " RETURNING seq, attempt";

// --- JobRetry ---  An expires_at already passed is cleared: kept, the job could never run (the
// claim skips it) and the expirer would at once expire it again.
inline constexpr const char* kRetry =
    "UPDATE jobs SET state = 'PENDING', attempt = 0, run_at = ?2, updated_at = ?2, error = NULL,"
    " expires_at = CASE WHEN expires_at <= ?2 THEN NULL ELSE expires_at END,"
    " result = NULL, result_ref = NULL, started_at = NULL, finished_at = NULL, progress = 0,"
    " message = NULL, current_step = NULL, cancel_requested = 0, " CONVEYOR_CLEAR_LEASE
    " WHERE seq = ?1 RETURNING " CONVEYOR_JOB_COLUMNS;

// --- JobRescueExpired ---  ?1 now, ?2 retry run_at, ?3 error, ?4 JSON array of seqs.
#define CONVEYOR_RESCUE_TO \
  "CASE WHEN attempt < max_attempts THEN 'RETRYING' ELSE 'FAILED' END"
inline constexpr const char* kRescueSelect =
    "SELECT seq FROM jobs INDEXED BY jobs_lease WHERE state = 'RUNNING' AND lease_expires_at <= ?1"
    " ORDER BY lease_expires_at LIMIT ?2";
inline constexpr const char* kRescueEvents =
    CONVEYOR_INSERT_EVENT "SELECT seq, ?1, 'RUNNING', " CONVEYOR_RESCUE_TO ", attempt, ?3"
    " FROM jobs WHERE seq IN (SELECT value FROM json_each(?4))";
inline constexpr const char* kRescueUpdate =
    "UPDATE jobs SET state = " CONVEYOR_RESCUE_TO ","
    " run_at = CASE WHEN attempt < max_attempts THEN ?2 ELSE run_at END,"
    " finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE ?1 END,"
    " error = ?3, updated_at = ?1, " CONVEYOR_CLEAR_LEASE
    " WHERE seq IN (SELECT value FROM json_each(?4)) RETURNING id, seq, state, webhook_url,"
    " has_dependents";

// --- JobExpireDue ---  ?1 now, ?2 limit; then ?1 now, ?2 JSON array of seqs, ?3 message.
// The WHERE must imply the jobs_expiry partial index's predicate (migration 6: BLOCKED jobs
// expire too).
#define CONVEYOR_EXPIRY_WAITING \
  CONVEYOR_WAITING_OR_BLOCKED_STATE " AND expires_at IS NOT NULL"
inline constexpr const char* kExpireSelect =
    "SELECT seq FROM jobs INDEXED BY jobs_expiry WHERE " CONVEYOR_EXPIRY_WAITING
    " AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2";
// Before the update, so from_state is the waiting state each job leaves.
inline constexpr const char* kExpireEvents =
    CONVEYOR_INSERT_EVENT "SELECT seq, ?1, state, 'EXPIRED', attempt, ?3"
    " FROM jobs WHERE seq IN (SELECT value FROM json_each(?2))";
inline constexpr const char* kExpireUpdate =
    "UPDATE jobs SET state = 'EXPIRED', finished_at = ?1, updated_at = ?1"
    " WHERE seq IN (SELECT value FROM json_each(?2)) RETURNING id, seq, webhook_url,"
    " has_dependents";
// --- JobNextExpiry ---  The first entry of jobs_expiry.
inline constexpr const char* kNextExpiry =
    "SELECT (SELECT expires_at FROM jobs INDEXED BY jobs_expiry WHERE " CONVEYOR_EXPIRY_WAITING
    " ORDER BY expires_at LIMIT 1)";

// --- JobPrune (store_retention.h) ---  ?1 state, ?2 after seq, ?3 limit: the next jobs of one
// finished state in seq order, a range of jobs_state (state, seq). finished_at is NULL on no
// finished job; updated_at stands in should one ever be.
inline constexpr const char* kPruneCandidates =
    "SELECT seq, id, queue, created_at, coalesce(finished_at, updated_at),"
    " idempotency_key IS NOT NULL FROM jobs INDEXED BY jobs_state"
    " WHERE state = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
// ?1 JSON array of seqs. Events, deliveries, delivery attempts and dependency edges go by
// ON DELETE CASCADE (foreign_keys=ON on every connection).
inline constexpr const char* kPruneDelete =
    "DELETE FROM jobs WHERE seq IN (SELECT value FROM json_each(?1))";

// --- JobList ---  ?1 type, ?2 queue, ?3 cursor seq (exclusive), ?4 limit, ?5 offset, ?6 state.
#define CONVEYOR_LIST_FILTER \
  " (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR queue = ?2) AND seq < ?3"
inline constexpr const char* kList =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs WHERE" CONVEYOR_LIST_FILTER
    " ORDER BY seq DESC LIMIT ?4 OFFSET ?5";
inline constexpr const char* kListByState =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs WHERE state = ?6 AND" CONVEYOR_LIST_FILTER
    " ORDER BY seq DESC LIMIT ?4 OFFSET ?5";
// A dialect word covering up to four states (a missing one repeats ?6).
inline constexpr const char* kListByStates =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs WHERE state IN (?6, ?7, ?8, ?9) AND"
    CONVEYOR_LIST_FILTER " ORDER BY seq DESC LIMIT ?4 OFFSET ?5";
// ?idempotency_key=: the jobs holding ?10, one per tenant at most, found through the unique key
// index (INDEXED BY: a schema drift fails the prepare rather than scanning) and sorted (a
// handful of rows). ?6 NULL: any state.
#define CONVEYOR_LIST_BY_KEY(tenant)                                                         \
  "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs INDEXED BY jobs_idempotency_key"              \
  " WHERE idempotency_key = ?10" tenant " AND (?6 IS NULL OR state IN (?6, ?7, ?8, ?9)) AND" \
  CONVEYOR_LIST_FILTER " ORDER BY seq DESC LIMIT ?4 OFFSET ?5"
inline constexpr const char* kListByKey = CONVEYOR_LIST_BY_KEY("");
// With a tenant (?11): the one job of that tenant holding ?10, a seek on both index columns, so
// there is nothing to sort.
inline constexpr const char* kListByTenantKey = CONVEYOR_LIST_BY_KEY(" AND tenant = ?11");
// A tenant's jobs (?11), newest first through jobs_tenant: a seek to the tenant's last seq below
// the cursor, then a backward walk of its own rows only. `tenant <> ''` repeats the partial
// index's predicate, without which SQLite does not use it (ValidateListParams refuses a tenant
// ''). ?6 NULL: any state.
inline constexpr const char* kListByTenant =
    "SELECT " CONVEYOR_JOB_COLUMNS " FROM jobs INDEXED BY jobs_tenant"
    " WHERE tenant = ?11 AND tenant <> '' AND (?6 IS NULL OR state IN (?6, ?7, ?8, ?9)) AND"
    CONVEYOR_LIST_FILTER " ORDER BY seq DESC LIMIT ?4 OFFSET ?5";

// --- JobEventList ---
inline constexpr const char* kEventsOfJob =
    "SELECT at, from_state, to_state, attempt, message FROM job_events WHERE job_seq = ?1"
    " ORDER BY seq";

// --- JobEventsAfter, JobEventsLastSeq, JobRunningProgress (the live event feed) ---
// A range of the job_events primary key, each row joined to its job by the jobs primary key.
#define CONVEYOR_FEED_EVENT_COLUMNS                                                         \
  "e.seq, e.at, e.from_state, e.to_state, e.attempt, e.message, j.id, j.type, j.queue, " \
  "j.tenant, j.correlation_id, j.progress, j.current_step"
inline constexpr const char* kEventsAfter =
    "SELECT " CONVEYOR_FEED_EVENT_COLUMNS " FROM job_events AS e JOIN jobs AS j"
    " ON j.seq = e.job_seq WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2";
inline constexpr const char* kEventsLastSeq = "SELECT coalesce(max(seq), 0) FROM job_events";
// The RUNNING part of jobs_state, then a sort of those rows only.
inline constexpr const char* kRunningProgress =
    "SELECT id, type, queue, tenant, progress, message, current_step, updated_at FROM jobs"
    " WHERE state = 'RUNNING' ORDER BY updated_at DESC LIMIT ?1";

// --- JobNextRunAt ---  One index seek per (unpaused queue, priority), not a scan of the backlog.
inline constexpr const char* kNextRunAt =
    "WITH RECURSIVE p(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM p WHERE x < 10)"
    " SELECT min((SELECT run_at FROM jobs INDEXED BY jobs_claim WHERE queue = q.name"
    " AND " CONVEYOR_WAITING_STATE " AND priority = p.x ORDER BY run_at LIMIT 1))"
    " FROM queues AS q CROSS JOIN p WHERE q.paused = 0";

// --- JobCountByState ---
inline constexpr const char* kCountByState = "SELECT state, count(*) FROM jobs GROUP BY state";

// --- JobStatsGet ---  What they cost: see JobStatsGet in sqlite_job_reads.cc.
// ?1 the number of types: a scan of every row (no index on type, so inserts pay nothing).
inline constexpr const char* kCountByType =
    "SELECT type, count(*) AS n FROM jobs GROUP BY type ORDER BY n DESC, type LIMIT ?1";
// Both walk the partial jobs_failed index: the mean is covering, the newest are ?1 lookups.
inline constexpr const char* kFailedMeanAttempt =
    "SELECT coalesce(avg(attempt), 0.0) FROM jobs INDEXED BY jobs_failed WHERE state = 'FAILED'";
inline constexpr const char* kRecentFailures =
    "SELECT id, type, error, attempt, finished_at FROM jobs INDEXED BY jobs_failed"
    " WHERE state = 'FAILED' ORDER BY finished_at DESC, seq DESC LIMIT ?1";

// --- Webhook deliveries ---
// Column order of CONVEYOR_DELIVERY_COLUMNS is the order ReadDeliveryRow (store_rows.h) reads. The
// job id is looked up by seq (the jobs primary key) so every read and RETURNING names the job.
#define CONVEYOR_DELIVERY_COLUMNS                                                           \
  "(SELECT id FROM jobs WHERE jobs.seq = webhook_deliveries.job_seq), n, event, url, state," \
  " payload, attempts, next_attempt_at, last_status, last_error, created_at, updated_at,"    \
  " delivered_at, job_seq"
#define CONVEYOR_DELIVERY_NEXT_N \
  "(SELECT coalesce(max(n), 0) + 1 FROM webhook_deliveries WHERE job_seq = ?1)"
// Terminal transitions: ?1 job seq, ?2 event, ?3 url, ?4 now.
inline constexpr const char* kDeliveryInsert =
    "INSERT INTO webhook_deliveries (job_seq, n, event, url, next_attempt_at, created_at,"
    " updated_at) VALUES (?1, " CONVEYOR_DELIVERY_NEXT_N ", ?2, ?3, ?4, ?4, ?4)";
// DeliveryClaimDue: ?1 now, ?2 limit; then ?1 leased-until, ?2 JSON array of rowids.
// The state test must match the webhook_deliveries_due partial index verbatim.
inline constexpr const char* kDeliveryDue =
    "SELECT rowid FROM webhook_deliveries INDEXED BY webhook_deliveries_due"
    " WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, job_seq, n"
    " LIMIT ?2";
inline constexpr const char* kDeliveryLease =
    "UPDATE webhook_deliveries SET next_attempt_at = ?1"
    " WHERE rowid IN (SELECT value FROM json_each(?2)) RETURNING rowid, " CONVEYOR_DELIVERY_COLUMNS;
// DeliveryRecordMany, per record: the attempt row first, numbered while the delivery still holds
// its old attempts (no row when it is not pending), then the delivery itself. No RETURNING: it
// makes SQLite build a temporary table per statement, most of a record's cost.
// ?1 job seq, ?2 n, ?3 at, ?4 status code, ?5 error ('' on success), ?6 duration.
inline constexpr const char* kDeliveryAttemptInsert =
    "INSERT INTO webhook_delivery_attempts (job_seq, n, attempt, at, status_code, error,"
    " duration_ms) SELECT job_seq, n, attempts + 1, ?3, ?4, ?5, ?6 FROM webhook_deliveries"
    " WHERE job_seq = ?1 AND n = ?2 AND state = 'pending'";
// ?1 job seq, ?2 n, ?3 new state, ?4 now, ?5 next_attempt_at (NULL: keep), ?6 payload (kept if
// one is stored), ?7 status code, ?8 error (NULL on success), ?9 delivered_at.
// REQUIRES: the attempt row was just inserted (the delivery is pending).
inline constexpr const char* kDeliveryRecord =
    "UPDATE webhook_deliveries SET state = ?3, attempts = attempts + 1,"
    " next_attempt_at = coalesce(?5, next_attempt_at), payload = coalesce(payload, ?6),"
    " last_status = ?7, last_error = ?8, updated_at = ?4, delivered_at = ?9"
    " WHERE job_seq = ?1 AND n = ?2";
// DeliveryRedeliver: ?1 job seq, ?2 n of the delivery to send again, ?3 now.
inline constexpr const char* kDeliveryRedeliver =
    "INSERT INTO webhook_deliveries (job_seq, n, event, url, payload, next_attempt_at,"
    " created_at, updated_at) SELECT job_seq, " CONVEYOR_DELIVERY_NEXT_N ", event, url, payload,"
    " ?3, ?3, ?3 FROM webhook_deliveries WHERE job_seq = ?1 AND n = ?2"
    " RETURNING " CONVEYOR_DELIVERY_COLUMNS;
// Reads.
inline constexpr const char* kDeliveryStateByKey =
    "SELECT state FROM webhook_deliveries WHERE job_seq = ?1 AND n = ?2";
inline constexpr const char* kDeliveriesOfJob =
    "SELECT " CONVEYOR_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE job_seq = ?1 ORDER BY n";
inline constexpr const char* kDeliveryAttemptsOfJob =
    "SELECT n, attempt, at, status_code, error, duration_ms FROM webhook_delivery_attempts"
    " WHERE job_seq = ?1 ORDER BY n, attempt";
inline constexpr const char* kDeliveryNextAt =
    "SELECT min(next_attempt_at) FROM webhook_deliveries INDEXED BY webhook_deliveries_due"
    " WHERE state = 'pending'";
inline constexpr const char* kDeliveryCountPending =
    "SELECT count(*) FROM webhook_deliveries INDEXED BY webhook_deliveries_due"
    " WHERE state = 'pending'";

// --- Nodes ---  ?1 name, ?2 role, ?3 started_at, ?4 last_seen_at, ?5 running_jobs, ?6 leader.
inline constexpr const char* kNodeUpsert =
    "INSERT INTO nodes (name, role, started_at, last_seen_at, running_jobs, leader)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET role = excluded.role,"
    " started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,"
    " running_jobs = excluded.running_jobs, leader = excluded.leader";
inline constexpr const char* kNodeList =
    "SELECT name, role, started_at, last_seen_at, running_jobs, leader FROM nodes"
    " ORDER BY last_seen_at DESC, name";

// --- Ping ---
inline constexpr const char* kPing = "SELECT 1";

#undef CONVEYOR_DELIVERY_NEXT_N
#undef CONVEYOR_DELIVERY_COLUMNS
#undef CONVEYOR_LIST_BY_KEY
#undef CONVEYOR_LIST_FILTER
#undef CONVEYOR_TENANT_KEYS
#undef CONVEYOR_COMPLETE_MATCH
#undef CONVEYOR_RESCUE_TO
#undef CONVEYOR_EXPIRY_WAITING
#undef CONVEYOR_INSERT_EVENT
#undef CONVEYOR_CLEAR_LEASE
#undef CONVEYOR_JOB_COLUMNS

}  // namespace conveyor::sqlite_queries
