// The DML of PostgresStore, grouped by the Store method that runs it. The DDL lives in
// pg_schema.h. Column order of CONVEYOR_PG_JOB_COLUMNS is the order ReadJobRow (store_rows.h)
// reads.
//
// Batches travel as parameters expanded in SQL (an insert's columns as arrays for unnest; claims
// and completions as one JSON array for json_array_elements), so an insert of 1000 jobs, a claim
// of 64 or a completion of 64 is one statement. Each statement that changes a job also writes its
// event (and, for terminal states, its webhook delivery) in data-modifying CTEs, so one round
// trip does the whole transition.
#pragma once

namespace conveyor::pg_queries {

#define CONVEYOR_PG_JOB_COLUMNS                                                                 \
  "seq, id, type, queue, payload, state, priority, attempt, max_attempts, run_at, expires_at, " \
  "timeout_s, coalesce(idempotency_key, idempotency_key_released), correlation_id, "            \
  "webhook_url, depends_on, tags, progress, "                                                   \
  "message, current_step, result, result_ref, error, created_at, started_at, finished_at, "    \
  "updated_at, lease_owner, lease_token, lease_expires_at, cancel_requested, request_hash, "   \
  "dialect, tenant, traceparent, tracestate"

#define CONVEYOR_PG_J_COLUMNS                                                                  \
  "j.seq, j.id, j.type, j.queue, j.payload, j.state, j.priority, j.attempt, j.max_attempts, "  \
  "j.run_at, j.expires_at, j.timeout_s, "                                                     \
  "coalesce(j.idempotency_key, j.idempotency_key_released), j.correlation_id, j.webhook_url, " \
  "j.depends_on, j.tags, j.progress, j.message, j.current_step, j.result, j.result_ref, "      \
  "j.error, j.created_at, j.started_at, j.finished_at, j.updated_at, j.lease_owner, "          \
  "j.lease_token, j.lease_expires_at, j.cancel_requested, j.request_hash, j.dialect, j.tenant, "  \
  "j.traceparent, j.tracestate"

#define CONVEYOR_PG_CLEAR_LEASE "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL"
#define CONVEYOR_PG_INSERT_EVENT \
  "INSERT INTO job_events (job_seq, at, from_state, to_state, attempt, message) "
#define CONVEYOR_PG_WAITING "('PENDING','SCHEDULED','RETRYING')"
// What expires: the waiting states and BLOCKED (the jobs_expiry index's list, migration 5).
#define CONVEYOR_PG_EXPIRABLE "('PENDING','SCHEDULED','RETRYING','BLOCKED')"

// A pending webhook delivery for every row of `src` (seq-less; columns id, webhook_url, state)
// that has a webhook_url: the next n of that job, due at once. REQUIRES: the job rows are locked
// by this transaction (so max(n) cannot race).
#define CONVEYOR_PG_DELIVERIES_FROM(src, now)                                                   \
  "INSERT INTO webhook_deliveries (job_id, n, event, url, state, next_attempt_at, created_at,"  \
  " updated_at) SELECT s.id, coalesce((SELECT max(d.n) FROM webhook_deliveries d"               \
  " WHERE d.job_id = s.id), 0) + 1, 'job.' || lower(s.state), s.webhook_url, 'pending', " now   \
  ", " now ", " now " FROM " src " s WHERE s.webhook_url IS NOT NULL"

// --- reads shared by several methods ---
inline constexpr const char* kSelectJobById =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE id = $1";
// The row locked for a transition decided in C++ (fail, cancel, retry, ...).
inline constexpr const char* kSelectJobByIdForUpdate =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE id = $1 FOR UPDATE";
inline constexpr const char* kSelectSeqById = "SELECT seq FROM jobs WHERE id = $1";
inline constexpr const char* kSelectStateById = "SELECT state FROM jobs WHERE id = $1";
inline constexpr const char* kInsertEvent =
    CONVEYOR_PG_INSERT_EVENT "VALUES ($1::bigint, $2::bigint, $3, $4, $5::integer, $6)";
// $1 job id, $2 now: the delivery a terminal transition of that job promises (if it has a URL).
inline constexpr const char* kInsertDeliveryForJob =
    "WITH s AS (SELECT id, webhook_url, state FROM jobs WHERE id = $1) "
    CONVEYOR_PG_DELIVERIES_FROM("s", "$2::bigint");

// --- JobInsertMany ---  kInsertJobs: $1..$31 the jobs' columns as arrays (EncodePgJobColumns,
// pg_job_row.cc), $32 now, $33 the batch's distinct queue names (text[]). The arrays are
// unnested in the select list (one ProjectSet, in step): `FROM unnest($1, …, $31)` materialised
// each of the 31 into its own tuplestore, 0.45 ms of a single-job insert and 40 % of a
// 1,000-job one. `ord` keeps the batch's order in seq.
// The key statements' $1: a JSON array of [key, tenant] (EncodeTenantKeys), matched on
// jobs_idempotency_key's (idempotency_key, tenant).
#define CONVEYOR_PG_TENANT_KEYS \
  " (idempotency_key, tenant) IN (SELECT k->>0, k->>1 FROM json_array_elements($1::json) AS k)"
inline constexpr const char* kSelectJobsByKeys =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE" CONVEYOR_PG_TENANT_KEYS;
// $2 the cutoff: only holders created at or before it give their key up (a holder that a
// concurrent insert just made keeps it; our insert then races and retries).
inline constexpr const char* kReleaseKeys =
    "UPDATE jobs SET idempotency_key_released = idempotency_key, idempotency_key = NULL"
    " WHERE" CONVEYOR_PG_TENANT_KEYS " AND created_at <= $2::bigint";
inline constexpr const char* kInsertJobs =
    "WITH ins AS (INSERT INTO jobs (id, type, queue, payload, state, priority, attempt,"
    " max_attempts, run_at, expires_at, timeout_s, idempotency_key, correlation_id, webhook_url,"
    " depends_on, tags, progress, message, current_step, result, result_ref, error, created_at,"
    " started_at, finished_at, updated_at, cancel_requested, request_hash, dialect, tenant,"
    " traceparent, tracestate)"
    " SELECT id, type, queue, payload, state, priority, attempt, max_attempts, run_at,"
    " expires_at, timeout_s, idempotency_key, correlation_id, webhook_url, depends_on, tags,"
    " progress, message, current_step, result, result_ref, error, created_at, started_at,"
    " finished_at, updated_at, false, request_hash, dialect, tenant, traceparent, tracestate"
    " FROM (SELECT unnest($1::text[]) AS id, unnest($2::text[]) AS type,"
    " unnest($3::text[]) AS queue, unnest($4::text[]) AS payload,"
    " unnest($5::text[]) AS state, unnest($6::integer[]) AS priority,"
    " unnest($7::integer[]) AS attempt, unnest($8::integer[]) AS max_attempts,"
    " unnest($9::bigint[]) AS run_at, unnest($10::bigint[]) AS expires_at,"
    " unnest($11::integer[]) AS timeout_s, unnest($12::text[]) AS idempotency_key,"
    " unnest($13::text[]) AS correlation_id, unnest($14::text[]) AS webhook_url,"
    " unnest($15::text[]) AS depends_on, unnest($16::text[]) AS tags,"
    " unnest($17::float8[]) AS progress, unnest($18::text[]) AS message,"
    " unnest($19::text[]) AS current_step, unnest($20::text[]) AS result,"
    " unnest($21::text[]) AS result_ref, unnest($22::text[]) AS error,"
    " unnest($23::bigint[]) AS created_at, unnest($24::bigint[]) AS started_at,"
    " unnest($25::bigint[]) AS finished_at, unnest($26::bigint[]) AS updated_at,"
    " unnest($27::text[]) AS request_hash, unnest($28::text[]) AS dialect,"
    " unnest($29::text[]) AS tenant, unnest($30::text[]) AS traceparent,"
    " unnest($31::text[]) AS tracestate, generate_series(1, cardinality($1::text[])) AS ord)"
    " AS x ORDER BY x.ord"
    " ON CONFLICT (idempotency_key, tenant) WHERE idempotency_key IS NOT NULL DO NOTHING"
    " RETURNING seq, id, state, attempt),"
    " ev AS (" CONVEYOR_PG_INSERT_EVENT "SELECT seq, $32::bigint, NULL, state, attempt, '' FROM ins),"
    // The first job of a queue makes its row (store/queue_types.h); $33 the batch's queues.
    " qs AS (INSERT INTO queues (name, created_at, updated_at)"
    " SELECT unnest($33::text[]), $32::bigint, $32::bigint ON CONFLICT DO NOTHING)"
    " SELECT id FROM ins";

// --- JobClaim ---  pg_queue_queries.h.

// The rows of a batch of [id, lease_token, ...] (CTE `src`, columns id and token) that still hold
// their lease, found by one jobs.id seek each. The lookup names nothing but the id, inside a
// LATERAL with LIMIT 1 (which the planner can neither flatten into a join nor push the lease
// test into): whenever it could see `state = 'RUNNING'`, the planner, whose statistics say few
// jobs are RUNNING, walked jobs_lease or jobs_state instead, whose entries for every job that
// ever ran stay until VACUUM — 100,000 entries per completion late in a burn-down. The UPDATE
// that follows re-checks the token, so a row changed since is skipped; it leaves the state test
// out for the same reason, and the token implies it: a token names one lease of a RUNNING job,
// and every transition out of RUNNING clears it.
#define CONVEYOR_PG_HELD(src)                                                               \
  " held AS (SELECT h.seq, " src ".* FROM " src " CROSS JOIN LATERAL (SELECT seq, state,"   \
  " lease_token FROM jobs WHERE id = " src ".id LIMIT 1) AS h WHERE h.state = 'RUNNING'"   \
  " AND h.lease_token = " src ".token),"

// --- JobCompleteMany ---  $1 now, $2 JSON array of [id, lease_token, result, result_ref].
inline constexpr const char* kComplete =
    "WITH c AS (SELECT x->>0 AS id, x->>1 AS token, x->>2 AS result, x->>3 AS ref"
    " FROM json_array_elements($2::json) AS x)," CONVEYOR_PG_HELD("c")
    " done AS (UPDATE jobs j SET state = 'SUCCEEDED', result = held.result,"
    " result_ref = held.ref, progress = 100, finished_at = $1::bigint,"
    " updated_at = $1::bigint, " CONVEYOR_PG_CLEAR_LEASE
    " FROM held WHERE j.seq = held.seq AND j.lease_token = held.token"
    " RETURNING j.seq, j.id, j.attempt, j.webhook_url, j.state, j.has_dependents),"
    " ev AS (" CONVEYOR_PG_INSERT_EVENT
    "SELECT seq, $1::bigint, 'RUNNING', 'SUCCEEDED', attempt, '' FROM done),"
    " dl AS (" CONVEYOR_PG_DELIVERIES_FROM("done", "$1::bigint") ")"
    " SELECT id, seq, has_dependents FROM done";

// --- JobFail ---
inline constexpr const char* kFail =
    "UPDATE jobs SET state = $2, run_at = $3::bigint, finished_at = $4::bigint, error = $5,"
    " updated_at = $6::bigint, " CONVEYOR_PG_CLEAR_LEASE
    " WHERE seq = $1::bigint RETURNING " CONVEYOR_PG_JOB_COLUMNS;

// --- JobHeartbeat ---  By id and token only: the token implies RUNNING (see CONVEYOR_PG_HELD),
// and `state = 'RUNNING'` here would offer the planner jobs_lease instead of the id's index.
inline constexpr const char* kHeartbeat =
    "UPDATE jobs SET lease_expires_at = $3::bigint, progress = coalesce($4::float8, progress),"
    " message = coalesce($5, message), current_step = coalesce($6, current_step),"
    " updated_at = $7::bigint WHERE id = $1 AND lease_token = $2"
    " RETURNING cancel_requested";

// --- JobCancel, JobCancelAck ---  $1 seq, $2 now.
inline constexpr const char* kCancelNow =
    "UPDATE jobs SET state = 'CANCELLED', finished_at = $2::bigint, updated_at = $2::bigint, "
    CONVEYOR_PG_CLEAR_LEASE " WHERE seq = $1::bigint RETURNING " CONVEYOR_PG_JOB_COLUMNS;
inline constexpr const char* kCancelRequest =
    "UPDATE jobs SET cancel_requested = true, updated_at = $2::bigint WHERE seq = $1::bigint"
    " RETURNING " CONVEYOR_PG_JOB_COLUMNS;

// --- JobReleaseMany ---  $1 now, $2 JSON array of [id, lease_token].
inline constexpr const char* kRelease =
    "WITH r AS (SELECT x->>0 AS id, x->>1 AS token FROM json_array_elements($2::json) AS x),"
    CONVEYOR_PG_HELD("r")
    " back AS (UPDATE jobs j SET state = 'PENDING', attempt = greatest(j.attempt - 1, 0),"
    " started_at = CASE WHEN j.attempt <= 1 THEN NULL ELSE j.started_at END,"
    " updated_at = $1::bigint, " CONVEYOR_PG_CLEAR_LEASE
    " FROM held WHERE j.seq = held.seq AND j.lease_token = held.token"
    " RETURNING j.seq, j.attempt),"
    " ev AS (" CONVEYOR_PG_INSERT_EVENT
    "SELECT seq, $1::bigint, 'RUNNING', 'PENDING', attempt, 'released before it started'"
    " FROM back) SELECT count(*) FROM back";

// --- JobRetry ---  $1 seq, $2 now. An expires_at already passed is cleared (see sqlite_queries.h).
inline constexpr const char* kRetry =
    "UPDATE jobs SET state = 'PENDING', attempt = 0, run_at = $2::bigint, updated_at = $2::bigint,"
    " expires_at = CASE WHEN expires_at <= $2::bigint THEN NULL ELSE expires_at END,"
    " error = NULL, result = NULL, result_ref = NULL, started_at = NULL, finished_at = NULL,"
    " progress = 0, message = NULL, current_step = NULL, cancel_requested = false, "
    CONVEYOR_PG_CLEAR_LEASE " WHERE seq = $1::bigint RETURNING " CONVEYOR_PG_JOB_COLUMNS;

// --- JobRescueExpired ---  $1 now, $2 retry run_at, $3 error, $4 limit.
inline constexpr const char* kRescue =
    "WITH picked AS (SELECT seq FROM jobs WHERE state = 'RUNNING' AND lease_expires_at <= $1::bigint"
    " ORDER BY lease_expires_at LIMIT $4::integer FOR UPDATE SKIP LOCKED),"
    " moved AS (UPDATE jobs j SET"
    " state = CASE WHEN j.attempt < j.max_attempts THEN 'RETRYING' ELSE 'FAILED' END,"
    " run_at = CASE WHEN j.attempt < j.max_attempts THEN $2::bigint ELSE j.run_at END,"
    " finished_at = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE $1::bigint END,"
    " error = $3, updated_at = $1::bigint, " CONVEYOR_PG_CLEAR_LEASE
    " FROM picked WHERE j.seq = picked.seq RETURNING j.seq, j.id, j.state, j.attempt,"
    " j.webhook_url, j.has_dependents),"
    " ev AS (" CONVEYOR_PG_INSERT_EVENT
    "SELECT seq, $1::bigint, 'RUNNING', state, attempt, $3 FROM moved),"
    " dl AS (" CONVEYOR_PG_DELIVERIES_FROM("(SELECT * FROM moved WHERE state = 'FAILED')",
                                           "$1::bigint") ")"
    " SELECT id, state, seq, has_dependents FROM moved";

// --- JobExpireDue ---  $1 now, $2 limit, $3 event message. The WHERE implies the jobs_expiry
// partial index's predicate (migration 3). Rows another transaction holds (a claim in flight)
// are skipped: the claim's own expiry guard decides them, and the next pass sees the rest.
inline constexpr const char* kExpireDue =
    "WITH picked AS (SELECT seq, state AS from_state FROM jobs WHERE state IN "
    CONVEYOR_PG_EXPIRABLE " AND expires_at IS NOT NULL AND expires_at <= $1::bigint"
    " ORDER BY expires_at LIMIT $2::integer FOR UPDATE SKIP LOCKED),"
    " moved AS (UPDATE jobs j SET state = 'EXPIRED', finished_at = $1::bigint,"
    " updated_at = $1::bigint FROM picked WHERE j.seq = picked.seq"
    " RETURNING j.seq, j.id, j.state, j.attempt, j.webhook_url, j.has_dependents,"
    " picked.from_state),"
    " ev AS (" CONVEYOR_PG_INSERT_EVENT
    "SELECT seq, $1::bigint, from_state, 'EXPIRED', attempt, $3 FROM moved),"
    " dl AS (" CONVEYOR_PG_DELIVERIES_FROM("moved", "$1::bigint") ")"
    " SELECT id, seq, has_dependents FROM moved";
// --- JobNextExpiry ---  The first entry of jobs_expiry.
inline constexpr const char* kNextExpiry =
    "SELECT min(expires_at) FROM jobs WHERE state IN " CONVEYOR_PG_EXPIRABLE
    " AND expires_at IS NOT NULL";

// --- JobPrune (store_retention.h) ---  $1 state, $2 after seq, $3 limit: the next jobs of one
// finished state in seq order (jobs_state), locked until COMMIT so none changes before the
// delete; rows another transaction holds (a retry in flight) are skipped until a later pass.
inline constexpr const char* kPruneCandidates =
    "SELECT seq, id, queue, created_at, coalesce(finished_at, updated_at),"
    " idempotency_key IS NOT NULL FROM jobs WHERE state = $1 AND seq > $2::bigint"
    " ORDER BY seq LIMIT $3::integer FOR UPDATE SKIP LOCKED";
// $1 JSON array of seqs. Their events are deleted here (job_events has no foreign key since
// migration 13; job_events_job finds them); deliveries, delivery attempts and dependency edges
// go by ON DELETE CASCADE, each through an index on its foreign key.
inline constexpr const char* kPruneDelete =
    "WITH s AS (SELECT value::bigint AS seq FROM json_array_elements_text($1::json)),"
    " ev AS (DELETE FROM job_events WHERE job_seq IN (SELECT seq FROM s))"
    " DELETE FROM jobs WHERE seq IN (SELECT seq FROM s)";

// --- JobList ---  $1 type, $2 queue, $3 cursor seq (exclusive), $4 limit, $5 offset, $6 state.
#define CONVEYOR_PG_LIST_FILTER \
  " ($1::text IS NULL OR type = $1) AND ($2::text IS NULL OR queue = $2) AND seq < $3::bigint"
inline constexpr const char* kList =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE" CONVEYOR_PG_LIST_FILTER
    " ORDER BY seq DESC LIMIT $4::integer OFFSET $5::integer";
inline constexpr const char* kListByState =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE state = $6 AND" CONVEYOR_PG_LIST_FILTER
    " ORDER BY seq DESC LIMIT $4::integer OFFSET $5::integer";
// A dialect word covering up to four states (a missing one repeats $6).
inline constexpr const char* kListByStates =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE state IN ($6, $7, $8, $9) AND"
    CONVEYOR_PG_LIST_FILTER " ORDER BY seq DESC LIMIT $4::integer OFFSET $5::integer";
// ?idempotency_key=: the one job holding $10 ($11 not NULL: of that tenant; the unique key
// index). $6 NULL: any state.
inline constexpr const char* kListByKey =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE idempotency_key = $10"
    " AND ($11::text IS NULL OR tenant = $11)"
    " AND ($6::text IS NULL OR state IN ($6, $7, $8, $9)) AND" CONVEYOR_PG_LIST_FILTER
    " ORDER BY seq DESC LIMIT $4::integer OFFSET $5::integer";
// A tenant's jobs ($10), newest first through jobs_tenant (a backward walk of the tenant's own
// range). `tenant <> ''` repeats the partial index's predicate, so a generic plan (which cannot
// see $10) proves it too; ValidateListParams refuses a tenant ''. $6 NULL: any state.
inline constexpr const char* kListByTenant =
    "SELECT " CONVEYOR_PG_JOB_COLUMNS " FROM jobs WHERE tenant = $10 AND tenant <> ''"
    " AND ($6::text IS NULL OR state IN ($6, $7, $8, $9)) AND" CONVEYOR_PG_LIST_FILTER
    " ORDER BY seq DESC LIMIT $4::integer OFFSET $5::integer";

// --- JobEventList ---
inline constexpr const char* kEventsOfJob =
    "SELECT at, from_state, to_state, attempt, message FROM job_events WHERE job_seq = $1::bigint"
    " ORDER BY seq";

// --- JobEventsAfter, JobEventsLastSeq, JobRunningProgress (the live event feed) ---
// A range of the job_events primary key, each row joined to its job by the jobs primary key.
#define CONVEYOR_PG_FEED_EVENT_COLUMNS                                                         \
  "e.seq, e.at, e.from_state, e.to_state, e.attempt, e.message, j.id, j.type, j.queue, " \
  "j.tenant, j.correlation_id, j.progress, j.current_step"
inline constexpr const char* kEventsAfter =
    "SELECT " CONVEYOR_PG_FEED_EVENT_COLUMNS " FROM job_events AS e JOIN jobs AS j"
    " ON j.seq = e.job_seq WHERE e.seq > $1::bigint ORDER BY e.seq LIMIT $2::integer";
inline constexpr const char* kEventsLastSeq = "SELECT coalesce(max(seq), 0) FROM job_events";
// The RUNNING part of jobs_state, then a sort of those rows only.
inline constexpr const char* kRunningProgress =
    "SELECT id, type, queue, tenant, progress, message, current_step, updated_at FROM jobs"
    " WHERE state = 'RUNNING' ORDER BY updated_at DESC LIMIT $1::integer";

// --- JobNextRunAt ---  One index probe per (unpaused queue, priority), not a scan of the backlog.
inline constexpr const char* kNextRunAt =
    "SELECT min(r.run_at) FROM queues AS q CROSS JOIN generate_series(1, 10) AS p(x)"
    " CROSS JOIN LATERAL (SELECT run_at FROM jobs WHERE queue = q.name AND state IN "
    CONVEYOR_PG_WAITING " AND priority = p.x ORDER BY run_at LIMIT 1) AS r WHERE NOT q.paused";

// --- JobCountByState ---
inline constexpr const char* kCountByState = "SELECT state, count(*) FROM jobs GROUP BY state";

// --- JobStatsGet ---
// $1 the number of types: a scan of every row (no index on type, so inserts pay nothing). Names
// compare bytewise, as on SQLite, whatever the database's collation.
inline constexpr const char* kCountByType =
    "SELECT type, count(*) AS n FROM jobs GROUP BY type ORDER BY n DESC, type COLLATE \"C\""
    " LIMIT $1::integer";
// Both walk the partial jobs_failed index.
inline constexpr const char* kFailedMeanAttempt =
    "SELECT coalesce(avg(attempt), 0)::float8 FROM jobs WHERE state = 'FAILED'";
inline constexpr const char* kRecentFailures =
    "SELECT id, type, error, attempt, finished_at FROM jobs WHERE state = 'FAILED'"
    " ORDER BY finished_at DESC NULLS LAST, seq DESC LIMIT $1::integer";

// --- Ping, wake-ups ---
inline constexpr const char* kPing = "SELECT 1";
// The channel is per schema ("conveyor_jobs.<schema>"): deployments sharing a database in
// separate schemas do not wake each other.
#define CONVEYOR_PG_CHANNEL "'conveyor_jobs.' || coalesce(current_schema(), '')"
inline constexpr const char* kNotify = "SELECT pg_notify(" CONVEYOR_PG_CHANNEL ", '')";
inline constexpr const char* kChannel = "SELECT " CONVEYOR_PG_CHANNEL;

#undef CONVEYOR_PG_LIST_FILTER
#undef CONVEYOR_PG_TENANT_KEYS

}  // namespace conveyor::pg_queries
