// The DML of SqliteStore's claim and queues (store_claim.h, store_queue_ops.h).
#pragma once

#include "store/sqlite/sqlite_queries.h"

namespace conveyor::sqlite_queries {

// --- JobClaim ---
// Every queue; RUNNING counted only for limited ones (a walk of jobs_state's RUNNING entries);
// whether an unpaused queue has a due job: one index seek per priority (?1 now), so a claim
// never probes a queue with nothing to start.
inline constexpr const char* kClaimQueues =
    "WITH RECURSIVE p(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM p WHERE x < 10)"
    " SELECT name, weight, paused, concurrency_limit, CASE WHEN concurrency_limit IS NULL THEN 0"
    " ELSE (SELECT count(*) FROM jobs WHERE state = 'RUNNING' AND queue = queues.name) END,"
    " paused = 0 AND EXISTS (SELECT 1 FROM p WHERE EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_claim"
    " WHERE queue = queues.name AND " CONVEYOR_WAITING_STATE
    " AND priority = p.x AND run_at <= ?1))"
    " FROM queues";
// ?1 queue, ?2 now, ?3 types, ?4 excluded types (JSON arrays or NULL), ?5 limit. The state list
// must match the jobs_claim partial index verbatim; INDEXED BY so a schema drift is a prepare
// error, not a sort of the whole backlog.
#define CONVEYOR_CLAIM_WHERE                                                               \
  " FROM jobs INDEXED BY jobs_claim WHERE queue = ?1"                                      \
  " AND " CONVEYOR_WAITING_STATE " AND run_at <= ?2"                                       \
  " AND (?3 IS NULL OR type IN (SELECT value FROM json_each(?3)))"                         \
  " AND (?4 IS NULL OR type NOT IN (SELECT value FROM json_each(?4)))"                     \
  " AND (expires_at IS NULL OR expires_at > ?2)"
inline constexpr const char* kClaimSelect =
    "SELECT seq, type" CONVEYOR_CLAIM_WHERE " ORDER BY priority, run_at, seq LIMIT ?5";
// The age share, one priority (?6) at a time: its oldest due jobs.
inline constexpr const char* kClaimSelectOldest =
    "SELECT seq, type, run_at" CONVEYOR_CLAIM_WHERE " AND priority = ?6 ORDER BY run_at, seq"
    " LIMIT ?5";
// Runs before the update so from_state is the state the job is leaving.
inline constexpr const char* kClaimEvents =
    "INSERT INTO job_events (job_seq, at, from_state, to_state, attempt, message) "
    "SELECT seq, ?1, state, 'RUNNING', attempt + 1, '' FROM jobs"
    " WHERE seq IN (SELECT value FROM json_each(?2))";
inline constexpr const char* kRateLimits =
    "SELECT kind, name, max_starts, period_ms, window_start, used FROM rate_limits"
    " ORDER BY kind, name";
inline constexpr const char* kRateLimitUse =
    "UPDATE rate_limits SET window_start = ?3, used = ?4 WHERE kind = ?1 AND name = ?2";

// --- Queues ---
#define CONVEYOR_QUEUE_COLUMNS                                                                \
  "name, weight, concurrency_limit, paused, max_attempts, timeout_s, created_at, updated_at, " \
  "retain_succeeded_ms, retain_failed_ms, retain_cancelled_ms, retain_expired_ms"
inline constexpr const char* kQueues =
    "SELECT " CONVEYOR_QUEUE_COLUMNS " FROM queues ORDER BY name";
inline constexpr const char* kQueue = "SELECT " CONVEYOR_QUEUE_COLUMNS " FROM queues WHERE name = ?1";
inline constexpr const char* kQueueWrite =
    "INSERT INTO queues (" CONVEYOR_QUEUE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9, ?10, ?11, ?12)"
    " ON CONFLICT (name) DO UPDATE SET weight = ?2, concurrency_limit = ?3, paused = ?4,"
    " max_attempts = ?5, timeout_s = ?6, updated_at = ?8, retain_succeeded_ms = ?9,"
    " retain_failed_ms = ?10, retain_cancelled_ms = ?11, retain_expired_ms = ?12";
// Jobs of queues not seen before make their queue (?1: the lowest seq this insert wrote).
inline constexpr const char* kQueuesOfNewJobs =
    "INSERT OR IGNORE INTO queues (name, created_at, updated_at)"
    " SELECT DISTINCT queue, ?2, ?2 FROM jobs WHERE seq > ?1";
// The limit changed: a new window; unchanged: keep the window's count.
inline constexpr const char* kRateLimitSet =
    "INSERT INTO rate_limits (kind, name, max_starts, period_ms) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (kind, name) DO UPDATE SET max_starts = ?3, period_ms = ?4,"
    " window_start = CASE WHEN max_starts = ?3 AND period_ms = ?4 THEN window_start ELSE 0 END,"
    " used = CASE WHEN max_starts = ?3 AND period_ms = ?4 THEN used ELSE 0 END";
inline constexpr const char* kRateLimitDelete =
    "DELETE FROM rate_limits WHERE kind = ?1 AND name = ?2";
// One scan of every job. ?1: finished since (now - 60 s).
inline constexpr const char* kQueueStats =
    "SELECT queue, state, count(*), sum(finished_at >= ?1),"
    " min(CASE WHEN state IN ('PENDING','SCHEDULED','RETRYING') THEN run_at END)"
    " FROM jobs GROUP BY queue, state ORDER BY queue";

}  // namespace conveyor::sqlite_queries
