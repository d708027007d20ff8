// The SQL of PostgresStore's claim and queues (store_claim.h, store_queue_ops.h).
#pragma once

#include "store/postgres/pg_queries.h"

namespace conveyor::pg_queries {

// --- JobClaim ---
// Limited queues are locked (in name order, like every claimer) before their RUNNING jobs are
// counted, by a separate statement: a statement's snapshot is taken when it starts, so a count
// in the locking statement would miss what the previous lock holder committed.
inline constexpr const char* kClaimLockLimitedQueues =
    "SELECT name FROM queues WHERE concurrency_limit IS NOT NULL ORDER BY name FOR UPDATE";
// Whether an unpaused queue has a due job: per priority, the first waiting job's run_at by
// jobs_claim (one index seek each; $1 now). The ORDER BY is what makes that plan certain: a
// correlated EXISTS became a hash semi-join over the backlog under stale statistics, and a
// `LIMIT 1` probe with run_at in its filter became a sequential scan under fresh ones (the
// planner expects a match within a few rows, and at the nine empty priorities it reads the whole
// table); only the index gives run_at order without a sort of every waiting job.
inline constexpr const char* kClaimQueues =
    "SELECT name, weight, paused, concurrency_limit, CASE WHEN concurrency_limit IS NULL THEN 0"
    " ELSE (SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND queue = queues.name) END,"
    " NOT paused AND EXISTS (SELECT 1 FROM generate_series(1, 10) AS p(x) WHERE"
    " (SELECT run_at FROM jobs WHERE queue = queues.name"
    " AND state IN ('PENDING','SCHEDULED','RETRYING') AND priority = p.x"
    " ORDER BY run_at LIMIT 1) <= $1::bigint)"
    " FROM queues";
// $1 queue, $2 now, $3 types, $4 excluded types (JSON arrays or NULL), $5 limit.
#define CONVEYOR_PG_CLAIM_WHERE                                                          \
  " FROM jobs WHERE queue = $1 AND state IN ('PENDING','SCHEDULED','RETRYING')"          \
  " AND run_at <= $2::bigint"                                                            \
  " AND ($3::json IS NULL OR type IN (SELECT json_array_elements_text($3::json)))"       \
  " AND ($4::json IS NULL OR type NOT IN (SELECT json_array_elements_text($4::json)))"   \
  " AND (expires_at IS NULL OR expires_at > $2::bigint)"
// Rows another claimer holds are skipped, not waited for.
inline constexpr const char* kClaimSelect =
    "SELECT seq, type" CONVEYOR_PG_CLAIM_WHERE
    " ORDER BY priority, run_at, seq LIMIT $5::integer FOR UPDATE SKIP LOCKED";
// The age share: the oldest due jobs of each priority (one index seek each), the oldest of those,
// then locked; the lock re-checks that each is still waiting.
inline constexpr const char* kClaimSelectOldest =
    "SELECT seq, type FROM jobs WHERE seq IN (SELECT r.seq FROM generate_series(1, 10) AS p(x)"
    " CROSS JOIN LATERAL (SELECT seq, run_at" CONVEYOR_PG_CLAIM_WHERE
    " AND priority = p.x ORDER BY run_at, seq LIMIT $5::integer) AS r"
    " ORDER BY r.run_at, r.seq LIMIT $5::integer)"
    " AND state IN ('PENDING','SCHEDULED','RETRYING') FOR UPDATE SKIP LOCKED";
// $1 now, $2 worker, $3 lease expiry, $4 JSON array of seqs (locked by kClaimSelect*).
// The lease token is 32 hex characters from gen_random_uuid() (122 random bits).
inline constexpr const char* kClaimMark =
    "WITH picked AS (SELECT seq, state AS from_state, attempt FROM jobs"
    " WHERE seq IN (SELECT json_array_elements_text($4::json)::bigint)),"
    " ev AS (INSERT INTO job_events (job_seq, at, from_state, to_state, attempt, message)"
    " SELECT seq, $1::bigint, from_state, 'RUNNING', attempt + 1, '' FROM picked)"
    " UPDATE jobs j SET state = 'RUNNING', attempt = j.attempt + 1, started_at = $1::bigint,"
    " updated_at = $1::bigint, lease_owner = $2, lease_expires_at = $3::bigint,"
    " lease_token = replace(gen_random_uuid()::text, '-', '')"
    " FROM picked WHERE j.seq = picked.seq RETURNING " CONVEYOR_PG_J_COLUMNS;
#define CONVEYOR_PG_RATE_COLUMNS "kind, name, max_starts, period_ms, window_start, used"
inline constexpr const char* kClaimRateLimits =
    "SELECT " CONVEYOR_PG_RATE_COLUMNS " FROM rate_limits ORDER BY kind, name FOR UPDATE";
inline constexpr const char* kRateLimits =
    "SELECT " CONVEYOR_PG_RATE_COLUMNS " FROM rate_limits ORDER BY kind, name";
inline constexpr const char* kRateLimitUse =
    "UPDATE rate_limits SET window_start = $3::bigint, used = $4::bigint"
    " WHERE kind = $1 AND name = $2";

// --- Queues ---
#define CONVEYOR_PG_QUEUE_COLUMNS                                                             \
  "name, weight, concurrency_limit, paused, max_attempts, timeout_s, created_at, updated_at, " \
  "retain_succeeded_ms, retain_failed_ms, retain_cancelled_ms, retain_expired_ms"
inline constexpr const char* kQueues =
    "SELECT " CONVEYOR_PG_QUEUE_COLUMNS " FROM queues ORDER BY name";
inline constexpr const char* kQueueForUpdate =
    "SELECT " CONVEYOR_PG_QUEUE_COLUMNS " FROM queues WHERE name = $1 FOR UPDATE";
inline constexpr const char* kQueueWrite =
    "INSERT INTO queues (" CONVEYOR_PG_QUEUE_COLUMNS ") VALUES ($1, $2::integer, $3::integer,"
    " $4::boolean, $5::integer, $6::integer, $7::bigint, $8::bigint, $9::bigint, $10::bigint,"
    " $11::bigint, $12::bigint)"
    " ON CONFLICT (name) DO UPDATE SET weight = EXCLUDED.weight,"
    " concurrency_limit = EXCLUDED.concurrency_limit, paused = EXCLUDED.paused,"
    " max_attempts = EXCLUDED.max_attempts, timeout_s = EXCLUDED.timeout_s,"
    " updated_at = EXCLUDED.updated_at, retain_succeeded_ms = EXCLUDED.retain_succeeded_ms,"
    " retain_failed_ms = EXCLUDED.retain_failed_ms,"
    " retain_cancelled_ms = EXCLUDED.retain_cancelled_ms,"
    " retain_expired_ms = EXCLUDED.retain_expired_ms";
inline constexpr const char* kRateLimitSet =
    "INSERT INTO rate_limits AS r (kind, name, max_starts, period_ms)"
    " VALUES ($1, $2, $3::bigint, $4::bigint)"
    " ON CONFLICT (kind, name) DO UPDATE SET max_starts = EXCLUDED.max_starts,"
    " period_ms = EXCLUDED.period_ms, window_start = CASE WHEN r.max_starts = EXCLUDED.max_starts"
    " AND r.period_ms = EXCLUDED.period_ms THEN r.window_start ELSE 0 END,"
    " used = CASE WHEN r.max_starts = EXCLUDED.max_starts AND r.period_ms = EXCLUDED.period_ms"
    " THEN r.used ELSE 0 END";
inline constexpr const char* kRateLimitDelete =
    "DELETE FROM rate_limits WHERE kind = $1 AND name = $2 RETURNING 1";
inline constexpr const char* kQueueStats =
    "SELECT queue, state, count(*), count(*) FILTER (WHERE finished_at >= $1::bigint),"
    " min(run_at) FILTER (WHERE state IN ('PENDING','SCHEDULED','RETRYING'))"
    " FROM jobs GROUP BY queue, state ORDER BY queue";

}  // namespace conveyor::pg_queries
