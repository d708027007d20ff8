// The SQLite schema of Conveyor, as numbered migrations applied in order by SqliteStore::Migrate().
//
// HOW TO CHANGE THE SCHEMA (read before editing):
//  1. Never edit or reorder a migration that has been committed: databases in the field have
//     applied it and record its version in schema_migrations; they will never run it again.
//  2. Append a new entry {N+1, "..."} to kMigrations. It runs inside one transaction together
//     with the row that records it, so it applies fully or not at all. Avoid statements SQLite
//     cannot run in a transaction (VACUUM, changing journal_mode).
//  3. Prefer additive changes (ADD COLUMN with a DEFAULT, CREATE INDEX). To change a column's
//     type or a CHECK, use SQLite's 12-step rebuild (create jobs_new, copy, drop, rename, recreate
//     indexes) inside the migration.
//  4. Update the column lists in sqlite_queries.h and the row codec (sqlite_job_row.cc) in the
//     same commit, and add a test in tests/store that opens a database at the previous version.
//  5. Every index is paid for on every insert and state transition: justify each new one with
//     the query it serves (EXPLAIN QUERY PLAN) and a benchmark figure.
//
// Invariants live in the schema too: CHECK on state, priority, progress; a unique index on
// idempotency keys. Times are INTEGER milliseconds since the Unix epoch (UTC); payload and
// result are JSON text; tags and depends_on are JSON arrays of strings.
#pragma once

#include "core/status.h"

namespace conveyor {
class SqliteConnection;
}

namespace conveyor::sqlite_schema {

struct Migration {
  int version;
  const char* sql;
  // A step SQL alone cannot say, run after `sql` in the same transaction (nullptr: none).
  Status (*then)(SqliteConnection& c) = nullptr;
};

// Migration 6's step (sqlite_state_check.cc): the jobs.state CHECK also allows 'BLOCKED'.
Status AllowBlockedState(SqliteConnection& c);
// Migration 14's step (sqlite_state_check.cc): the CHECKs on jobs.state, webhook_deliveries.event
// and webhook_deliveries.state as comparisons joined by OR instead of IN lists.
Status SpellOutStateChecks(SqliteConnection& c);

inline constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE jobs (
  seq              INTEGER PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  type             TEXT    NOT NULL,
  queue            TEXT    NOT NULL DEFAULT 'default',
  payload          TEXT    NOT NULL DEFAULT '{}',
  state            TEXT    NOT NULL CHECK (state IN ('SCHEDULED','PENDING','RUNNING','SUCCEEDED',
                                                     'RETRYING','FAILED','CANCELLED','EXPIRED')),
  priority         INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts     INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  run_at           INTEGER NOT NULL,
  expires_at       INTEGER,
  timeout_s        INTEGER NOT NULL DEFAULT 300 CHECK (timeout_s >= 0),
  idempotency_key  TEXT,
  correlation_id   TEXT,
  webhook_url      TEXT,
  depends_on       TEXT    NOT NULL DEFAULT '[]',
  tags             TEXT    NOT NULL DEFAULT '[]',
  progress         INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  message          TEXT,
  current_step     TEXT,
  result           TEXT,
  result_ref       TEXT,
  error            TEXT,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  updated_at       INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_token      TEXT,
  lease_expires_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  request_hash     TEXT    NOT NULL DEFAULT ''
);

-- Idempotent submit: one job per key. Partial, so keyless jobs cost nothing here.
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- The claim: waiting jobs in (priority, run_at, seq) order. Only waiting rows are in it, so it
-- stays as small as the backlog. The claim's WHERE must repeat this state list verbatim.
CREATE INDEX jobs_claim ON jobs (priority, run_at, seq)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING');

-- Listing by state newest first, and counts per state (a covering scan).
CREATE INDEX jobs_state ON jobs (state, seq);

-- Lease rescue: only RUNNING rows, ordered by expiry.
CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state = 'RUNNING';

CREATE TABLE job_events (
  seq        INTEGER PRIMARY KEY,
  job_seq    INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  at         INTEGER NOT NULL,
  from_state TEXT,
  to_state   TEXT    NOT NULL,
  attempt    INTEGER NOT NULL,
  message    TEXT    NOT NULL DEFAULT ''
);

-- One job's events in order (the index carries seq, the rowid, after job_seq).
CREATE INDEX job_events_job ON job_events (job_seq);
)sql"},
    // Webhook deliveries (one row per terminal transition of a job with a webhook_url, numbered
    // n = 1, 2, ... per job), their attempt log, and the nodes that share the store.
    {2, R"sql(
CREATE TABLE webhook_deliveries (
  job_seq         INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  n               INTEGER NOT NULL CHECK (n >= 1),
  event           TEXT    NOT NULL CHECK (event IN ('job.succeeded','job.failed','job.cancelled',
                                                    'job.expired')),
  url             TEXT    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending','delivered','failed')),
  payload         TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  PRIMARY KEY (job_seq, n)
);

-- The delivery claim and DeliveryNextAt/CountPending: only pending rows, in claim order.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, job_seq, n)
  WHERE state = 'pending';

CREATE TABLE webhook_delivery_attempts (
  job_seq     INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  attempt     INTEGER NOT NULL CHECK (attempt >= 1),
  at          INTEGER NOT NULL,
  status_code INTEGER,
  error       TEXT    NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  PRIMARY KEY (job_seq, n, attempt),
  FOREIGN KEY (job_seq, n) REFERENCES webhook_deliveries (job_seq, n) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE nodes (
  name         TEXT    PRIMARY KEY,
  role         TEXT    NOT NULL CHECK (role IN ('serve','api','worker')),
  started_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  running_jobs INTEGER NOT NULL DEFAULT 0 CHECK (running_jobs >= 0),
  leader       INTEGER NOT NULL DEFAULT 0 CHECK (leader IN (0, 1))
) WITHOUT ROWID;
)sql"},
    // The dialect a job was submitted in (core/dialect.h), by its stored name; rows written
    // before it read as Conveyor's own. No CHECK listing the names: a new dialect would then need
    // a table rebuild, and an unknown name reads as 'succeeded' (DialectFromStored).
    // Fractional progress (65.5) needs no change here: a REAL stored in the INTEGER-affinity
    // progress column stays REAL unless it is a whole number, and the CHECK compares numerically.
    // jobs_failed serves GET /admin/stats: the newest failures (a backward walk, ten rows) and
    // the mean attempt of FAILED jobs (covering). Partial, so only FAILED rows are in it: inserts,
    // claims and completions only evaluate its predicate. `state` is in it only because SQLite
    // 3.40 counts an index as covering when it holds the columns of the WHERE too.
    {3, R"sql(
ALTER TABLE jobs ADD COLUMN dialect TEXT NOT NULL DEFAULT 'succeeded';

CREATE INDEX jobs_failed ON jobs (finished_at, seq, attempt, state) WHERE state = 'FAILED';
)sql"},
    // jobs_expiry serves the expirer (runtime/maintenance/expirer.h): JobNextExpiry reads its
    // first entry and JobExpireDue walks its due prefix, on the leader up to 5 times a second.
    // Without it both would scan the whole backlog each time. Partial: only waiting jobs that
    // HAVE an expires_at are in it, so jobs submitted without one (most) pay nothing on insert,
    // claim or completion beyond evaluating its predicate.
    {4, R"sql(
CREATE INDEX jobs_expiry ON jobs (expires_at)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING') AND expires_at IS NOT NULL;
)sql"},
    // Queues as rows (store/queue_types.h): weight, concurrency limit, pause, job defaults, made by
    // the first job submitted to a queue; seed 003's plan queues preset. rate_limits holds each
    // limit ('queue' or 'type', name) with its current fixed window (window_start, used).
    // jobs_claim becomes per queue: the claim takes from one queue at a time, in (priority,
    // run_at, seq) order, so the queue leads; same partial predicate, so inserts pay no more.
    {5, R"sql(
CREATE TABLE queues (
  name              TEXT    PRIMARY KEY,
  weight            INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
  concurrency_limit INTEGER CHECK (concurrency_limit >= 1),
  paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  max_attempts      INTEGER CHECK (max_attempts >= 1),
  timeout_s         INTEGER CHECK (timeout_s >= 1),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO queues (name, weight, created_at, updated_at) VALUES
  ('default', 1, 0, 0), ('queue:free', 1, 0, 0), ('queue:pro', 5, 0, 0),
  ('queue:business', 7, 0, 0), ('queue:enterprise', 10, 0, 0);
INSERT OR IGNORE INTO queues (name, created_at, updated_at) SELECT DISTINCT queue, 0, 0 FROM jobs;

CREATE TABLE rate_limits (
  kind         TEXT    NOT NULL CHECK (kind IN ('queue', 'type')),
  name         TEXT    NOT NULL,
  max_starts   INTEGER NOT NULL CHECK (max_starts >= 1),
  period_ms    INTEGER NOT NULL CHECK (period_ms >= 1),
  window_start INTEGER NOT NULL DEFAULT 0,
  used         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

DROP INDEX jobs_claim;
CREATE INDEX jobs_claim ON jobs (queue, priority, run_at, seq)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING');
)sql"},
    // Dependencies (docs/scheduling.md): the BLOCKED state, one row per edge of the
    // dependency graph, and has_dependents on the job depended upon, so a completion (the hot
    // path) learns from the row it updates whether anything waits on it, with no extra probe.
    // job_dependencies_on finds the dependents of a finished job (an index probe); its primary
    // key lists a dependent's own dependencies. jobs_expiry is rebuilt to hold BLOCKED jobs too
    // (a job blocked past its expires_at expires). The CHECK on jobs.state gains 'BLOCKED' in
    // AllowBlockedState: not by SQLite's 12-step table rebuild, because dropping jobs inside
    // the migration's transaction (foreign_keys=ON cannot be switched off in one) would cascade
    // into job_events and webhook_deliveries, and a rebuild would have to copy every job; the
    // CHECK only widens, so SQLite's documented writable_schema edit
    // (https://sqlite.org/lang_altertable.html#otheralter) is exact, O(1), and keeps every
    // column and index other migrations add.
    {6, R"sql(
ALTER TABLE jobs ADD COLUMN has_dependents INTEGER NOT NULL DEFAULT 0
  CHECK (has_dependents IN (0, 1));

CREATE TABLE job_dependencies (
  job_seq        INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  depends_on_seq INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  PRIMARY KEY (job_seq, depends_on_seq)
) WITHOUT ROWID;

CREATE INDEX job_dependencies_on ON job_dependencies (depends_on_seq);

DROP INDEX jobs_expiry;
CREATE INDEX jobs_expiry ON jobs (expires_at)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING','BLOCKED') AND expires_at IS NOT NULL;
)sql",
     &AllowBlockedState},
    // Cron schedules (runtime/schedule/scheduler.h; SQL in sqlite_schedules.cc). schedules_due
    // serves the scheduler's ScheduleNextRunAt (its first entry) and ScheduleListDue (its due
    // prefix), read on the leader a few times a second; partial, so paused rows are not in it.
    {7, R"sql(
CREATE TABLE schedules (
  name        TEXT    PRIMARY KEY,
  cron        TEXT    NOT NULL,
  timezone    TEXT    NOT NULL DEFAULT 'UTC',
  job         TEXT    NOT NULL,
  paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  next_run_at INTEGER,
  last_run_at INTEGER,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  catch_up    TEXT    NOT NULL DEFAULT 'latest' CHECK (catch_up IN ('latest', 'none'))
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0;
)sql"},
    // Unique windows (JobInsertManyParams::key_window_ms): a job whose key window passed gives
    // its key up to a new job by moving it here, in the new job's insert transaction, so the
    // unique jobs_idempotency_key keeps meaning "the job holding the key now". Reads show
    // coalesce(idempotency_key, idempotency_key_released), so a job still shows the key it was
    // submitted with. No index: nothing looks a job up by a released key. Numbers 5-7 belong to
    // other parts of issue 11 (gaps are fine: Migrate applies every version not yet recorded).
    {8, R"sql(
ALTER TABLE jobs ADD COLUMN idempotency_key_released TEXT;
)sql"},
    // API keys (runtime/auth/key_ring.h; SQL in sqlite_api_keys.cc). Only the SHA-256 of a key's
    // secret is kept. Small (at most kMaxApiKeys rows), read whole by every node when its
    // version (count, revoked count) changes; no index beyond the two unique ones.
    {9, R"sql(
CREATE TABLE api_keys (
  id            TEXT    PRIMARY KEY,
  name          TEXT    NOT NULL UNIQUE,
  secret_sha256 TEXT    NOT NULL,
  scopes        TEXT    NOT NULL,
  job_types     TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  revoked_at    INTEGER,
  last_used_at  INTEGER
);
)sql"},
    // Rate limits per API key (runtime/auth/key_limiter.h): a key's own limits (both columns of
    // a pair set, or neither), and each key's use of each limit in its current fixed window,
    // summed over every node. One row per key and kind, rewritten in place.
    {10, R"sql(
ALTER TABLE api_keys ADD COLUMN rate_max INTEGER;
ALTER TABLE api_keys ADD COLUMN rate_period_ms INTEGER;
ALTER TABLE api_keys ADD COLUMN jobs_rate_max INTEGER;
ALTER TABLE api_keys ADD COLUMN jobs_rate_period_ms INTEGER;
CREATE TABLE api_key_usage (
  key_id       TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('requests', 'jobs')),
  window_start INTEGER NOT NULL,
  used         INTEGER NOT NULL,
  PRIMARY KEY (key_id, kind)
) WITHOUT ROWID;
)sql"},
    // Tenants (runtime/auth/tenants.h; SQL in sqlite_tenants.cc): a customer whose keys share a
    // plan. jobs.tenant names the tenant whose key submitted a job ('' : none), and idempotency
    // keys become unique per tenant: jobs_idempotency_key is rebuilt on (idempotency_key,
    // tenant), key first, so a lookup by key alone (an admin's ?idempotency_key= over every
    // tenant) still seeks it. jobs_tenant serves a tenant's listing (JobList with a tenant,
    // newest first: a seek to the tenant and a backward walk of its own seqs); partial, so jobs
    // without a tenant (every job on a server without tenants) pay nothing on insert or
    // transition beyond evaluating its predicate. The JobList WHERE repeats `tenant <> ''`, or
    // SQLite will not use it. api_keys.tenant references the tenant a key belongs to (NULL:
    // none). The tenants table is small (at most kMaxTenants rows) and read whole.
    {11, R"sql(
CREATE TABLE tenants (
  name       TEXT    PRIMARY KEY
                     CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9._-]*'),
  plan       TEXT    NOT NULL CHECK (plan IN ('free','pro','business','enterprise')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT '';

DROP INDEX jobs_idempotency_key;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key, tenant)
  WHERE idempotency_key IS NOT NULL;

CREATE INDEX jobs_tenant ON jobs (tenant, seq) WHERE tenant <> '';

ALTER TABLE api_keys ADD COLUMN tenant TEXT REFERENCES tenants (name);
)sql"},
    // W3C trace context (core/trace_context.h): the job's traceparent in version-00 form and the
    // tracestate its submitter sent. NULL on jobs stored before; no index (nothing looks a job up
    // by its trace).
    {12, R"sql(
ALTER TABLE jobs ADD COLUMN traceparent TEXT;
ALTER TABLE jobs ADD COLUMN tracestate TEXT;
)sql"},
    // A queue's own retention ages in ms per finished state (store/queue_types.h QueueRetention;
    // runtime/maintenance/pruner.h): NULL keeps the node's --retain-* age, 0 keeps for ever.
    // Retention itself needs no index: it walks jobs_state (state, seq) (store_retention.h).
    {13, R"sql(
ALTER TABLE queues ADD COLUMN retain_succeeded_ms INTEGER CHECK (retain_succeeded_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_failed_ms INTEGER CHECK (retain_failed_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_cancelled_ms INTEGER CHECK (retain_cancelled_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_expired_ms INTEGER CHECK (retain_expired_ms >= 0);
)sql"},
    // The write path without a temporary table per row. SQLite evaluates a CHECK or a partial
    // index's WHERE for every row an UPDATE or INSERT touches, and codes `x IN ('a','b','c')`
    // (three values or more) there by filling a temporary B-tree with the list each time:
    // callgrind of a burn-down put 10 of them per job (the state CHECK, jobs_claim and
    // jobs_expiry, on claim and on completion) at a fifth of the writer's instructions. The same
    // sets spelled as comparisons joined by OR are a few instructions each. The queries that use
    // these indexes repeat the predicates verbatim (sqlite_queries.h CONVEYOR_WAITING_STATE).
    // The CHECKs are edited like migration 6's: same values, so the stored rows stay valid.
    {14, R"sql(
DROP INDEX jobs_claim;
CREATE INDEX jobs_claim ON jobs (queue, priority, run_at, seq)
  WHERE (state = 'PENDING' OR state = 'SCHEDULED' OR state = 'RETRYING');
DROP INDEX jobs_expiry;
CREATE INDEX jobs_expiry ON jobs (expires_at)
  WHERE (state = 'PENDING' OR state = 'SCHEDULED' OR state = 'RETRYING' OR state = 'BLOCKED')
  AND expires_at IS NOT NULL;
)sql",
     &SpellOutStateChecks},
};

inline constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
))sql";

inline constexpr const char* kSelectMigrationVersion =
    "SELECT count(*) FROM schema_migrations WHERE version = ?1";

inline constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";

}  // namespace conveyor::sqlite_schema
