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
// --- DeliveryRecordMany ---  $1 JSON array of [i, job id, n, new state, now, next_attempt_at
// (null: keep), payload (kept if one is stored), status, error ('' on success), delivered_at,
// duration], one per record, no delivery twice; read as jsonb, so it is parsed once, not once
// per field. Applies each record to its delivery if still pending, appends its attempt row, and
// returns the i of every record applied.
inline constexpr const char* kDeliveryRecordMany =
    "WITH r AS (SELECT (x->>0)::integer AS i, x->>1 AS job_id, (x->>2)::integer AS n,"
    " x->>3 AS state, (x->>4)::bigint AS at, (x->>5)::bigint AS next_at, x->>6 AS payload,"
    " (x->>7)::integer AS status, x->>8 AS error, (x->>9)::bigint AS delivered_at,"
    " (x->>10)::bigint AS duration FROM jsonb_array_elements($1::jsonb) AS x),"
    " rec AS (UPDATE webhook_deliveries d SET state = r.state, attempts = d.attempts + 1,"
    " next_attempt_at = coalesce(r.next_at, d.next_attempt_at),"
    " payload = coalesce(d.payload, r.payload), last_status = r.status,"
    " last_error = nullif(r.error, ''), updated_at = r.at, delivered_at = r.delivered_at"
    " FROM r WHERE d.job_id = r.job_id AND d.n = r.n AND d.state = 'pending'"
    " RETURNING d.seq, d.attempts, r.i, r.at, r.status, r.error, r.duration),"
    " att AS (INSERT INTO webhook_delivery_attempts (delivery_seq, attempt, at, status_code,"
    " error, duration_ms) SELECT seq, attempts, at, status, error, duration FROM rec)"
    " SELECT i FROM rec";
// Why a record was not applied: $1 job id, $2 n. No row: no such delivery.
inline constexpr const char* kDeliveryStateByKey =
    "SELECT state FROM webhook_deliveries WHERE job_id = $1 AND n = $2::integer";
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
