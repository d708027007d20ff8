// The DML of webhook deliveries and nodes in PostgresStore (the jobs DML is in pg_queries.h).
// Column order of CONVEYOR_PG_DELIVERY_COLUMNS: the delivery's seq, then the order ReadDeliveryRow
// (store_rows.h) reads.
#pragma once

namespace conveyor::pg_queries {

#define CONVEYOR_PG_DELIVERY_COLUMNS                                                          \
  "d.seq, d.job_id, d.n, d.event, d.url, d.state, d.payload, d.attempts, d.next_attempt_at, " \
  "d.last_status, d.last_error, d.created_at, d.updated_at, d.delivered_at"

// $1 now, $2 limit, $3 lease expiry. Concurrent callers skip each other's rows. Rows come back
// in due order (the next_attempt_at they had before this claim leased them).
inline constexpr const char* kDeliveryClaim =
    "WITH due AS (SELECT seq, next_attempt_at AS due_at FROM webhook_deliveries"
    " WHERE state = 'pending' AND next_attempt_at <= $1::bigint ORDER BY next_attempt_at, seq"
    " LIMIT $2::integer FOR UPDATE SKIP LOCKED),"
    " leased AS (UPDATE webhook_deliveries d SET next_attempt_at = $3::bigint FROM due"
    " WHERE d.seq = due.seq RETURNING " CONVEYOR_PG_DELIVERY_COLUMNS ", due.due_at)"
    " SELECT * FROM leased ORDER BY due_at, seq";
inline constexpr const char* kDeliveryByKeyForUpdate =
    "SELECT " CONVEYOR_PG_DELIVERY_COLUMNS " FROM webhook_deliveries d"
    " WHERE d.job_id = $1 AND d.n = $2::integer FOR UPDATE";
// $1 seq, $2 now, $3 state, $4 next_attempt_at, $5 payload, $6 status, $7 error, $8 delivered_at
inline constexpr const char* kDeliveryRecord =
    "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1,"
    " next_attempt_at = $4::bigint, payload = coalesce(payload, $5), last_status = $6::integer,"
    " last_error = nullif($7, ''), updated_at = $2::bigint, delivered_at = $8::bigint"
    " WHERE seq = $1::bigint RETURNING attempts";
// $1 delivery seq, $2 attempt, $3 at, $4 status, $5 error, $6 duration
inline constexpr const char* kDeliveryAttemptInsert =
    "INSERT INTO webhook_delivery_attempts (delivery_seq, attempt, at, status_code, error,"
    " duration_ms) VALUES ($1::bigint, $2::integer, $3::bigint, $4::integer, $5, $6::bigint)";
inline constexpr const char* kDeliveriesOfJob =
    "SELECT " CONVEYOR_PG_DELIVERY_COLUMNS " FROM webhook_deliveries d WHERE d.job_id = $1"
    " ORDER BY d.n";
inline constexpr const char* kDeliveryAttemptsOfJob =
    "SELECT a.delivery_seq, a.attempt, a.at, a.status_code, a.error, a.duration_ms"
    " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.seq = a.delivery_seq"
    " WHERE d.job_id = $1 ORDER BY a.delivery_seq, a.attempt";
// $1 job id, $2 n of the delivery to copy, $3 now. REQUIRES: the job row is locked.
inline constexpr const char* kDeliveryRedeliver =
    "INSERT INTO webhook_deliveries AS d (job_id, n, event, url, state, payload, next_attempt_at,"
    " created_at, updated_at) SELECT o.job_id, (SELECT max(x.n) FROM webhook_deliveries x"
    " WHERE x.job_id = o.job_id) + 1, o.event, o.url, 'pending', o.payload, $3::bigint,"
    " $3::bigint, $3::bigint FROM webhook_deliveries o WHERE o.job_id = $1 AND o.n = $2::integer"
    " RETURNING " CONVEYOR_PG_DELIVERY_COLUMNS;
inline constexpr const char* kJobExistsForUpdate = "SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE";
inline constexpr const char* kJobExists = "SELECT 1 FROM jobs WHERE id = $1";
inline constexpr const char* kDeliveryNextAt =
    "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'";
inline constexpr const char* kDeliveryCountPending =
    "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'";

// --- nodes ---
inline constexpr const char* kNodeUpsert =
    "INSERT INTO nodes (name, role, started_at, last_seen_at, running_jobs, leader)"
    " VALUES ($1, $2, $3::bigint, $4::bigint, $5::integer, $6::boolean) ON CONFLICT (name) DO UPDATE"
    " SET role = excluded.role, started_at = excluded.started_at,"
    " last_seen_at = excluded.last_seen_at, running_jobs = excluded.running_jobs,"
    " leader = excluded.leader";
inline constexpr const char* kNodeList =
    "SELECT name, role, started_at, last_seen_at, running_jobs, leader FROM nodes"
    " ORDER BY last_seen_at DESC, name";

}  // namespace conveyor::pg_queries
