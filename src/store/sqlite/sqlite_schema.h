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

namespace conveyor::sqlite_schema {

struct Migration {
  int version;
  const char* sql;
};

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
