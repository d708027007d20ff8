// The PostgreSQL schema of Conveyor, as numbered migrations applied in order by
// PostgresStore::Migrate().
//
// HOW TO CHANGE THE SCHEMA (read before editing):
//  1. Never edit or reorder a committed migration: databases in the field have applied it and
//     record its version in schema_migrations; they will never run it again.
//  2. Append {N+1, "..."} to kMigrations. It runs in one transaction with the row recording it
//     under a transaction advisory lock (kLockMigrations), so several nodes may migrate at once:
//     one applies it, the others wait and then find it applied. Avoid statements PostgreSQL
//     cannot run in a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE).
//  3. Prefer additive changes (ADD COLUMN with a DEFAULT, CREATE INDEX). Keep the column list in
//     pg_queries.h and the row codec (pg_job_row.cc) in step in the same commit.
//  4. Every index is paid for on every insert and transition: justify it by the query it serves.
//
// Same shape as the SQLite schema (sqlite_schema.h): times are BIGINT milliseconds since the Unix
// epoch (UTC); payload and result are TEXT (exact bytes round-trip); tags and depends_on are JSON
// arrays of strings kept as TEXT. Invariants live here too: CHECKs and the unique key index.
// Tables live in the connection's current schema (search_path), so deployments may share a
// database in separate schemas; the advisory locks and the NOTIFY channel are per schema too.
#pragma once

#include <cstdint>

namespace conveyor::pg_schema {

struct Migration {
  int version;
  const char* sql;
};

inline constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE jobs (
  seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  type             TEXT    NOT NULL,
  queue            TEXT    NOT NULL DEFAULT 'default',
  payload          TEXT    NOT NULL DEFAULT '{}',
  state            TEXT    NOT NULL CHECK (state IN ('SCHEDULED','PENDING','RUNNING','SUCCEEDED',
                                                     'RETRYING','FAILED','CANCELLED','EXPIRED')),
  priority         INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
  attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts     INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  run_at           BIGINT  NOT NULL,
  expires_at       BIGINT,
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
  created_at       BIGINT  NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT,
  updated_at       BIGINT  NOT NULL,
  lease_owner      TEXT,
  lease_token      TEXT,
  lease_expires_at BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  request_hash     TEXT    NOT NULL DEFAULT ''
);

-- Idempotent submit: one job per key. Partial, so keyless jobs cost nothing here; the insert's
-- ON CONFLICT names this predicate to use it as its arbiter.
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- The claim: waiting jobs in (priority, run_at, seq) order, only waiting rows. The claim's WHERE
-- must repeat this state list verbatim for the planner to use it.
CREATE INDEX jobs_claim ON jobs (priority, run_at, seq)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING');

-- Listing by state newest first, and counts per state.
CREATE INDEX jobs_state ON jobs (state, seq);

-- Lease rescue: only RUNNING rows, ordered by expiry.
CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state = 'RUNNING';

CREATE TABLE job_events (
  seq        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_seq    BIGINT  NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  at         BIGINT  NOT NULL,
  from_state TEXT,
  to_state   TEXT    NOT NULL,
  attempt    INTEGER NOT NULL,
  message    TEXT    NOT NULL DEFAULT ''
);

-- One job's events in order.
CREATE INDEX job_events_job ON job_events (job_seq, seq);

-- Webhook deliveries: created in the same transaction as the terminal transition (store.h).
CREATE TABLE webhook_deliveries (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id          TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  n               INTEGER NOT NULL CHECK (n >= 1),
  event           TEXT    NOT NULL,
  url             TEXT    NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('pending','delivered','failed')),
  payload         TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT  NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  delivered_at    BIGINT,
  UNIQUE (job_id, n)
);

-- The delivery loop: due pending deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, seq)
  WHERE state = 'pending';

CREATE TABLE webhook_delivery_attempts (
  delivery_seq BIGINT  NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
  attempt      INTEGER NOT NULL,
  at           BIGINT  NOT NULL,
  status_code  INTEGER,
  error        TEXT    NOT NULL DEFAULT '',
  duration_ms  BIGINT  NOT NULL DEFAULT 0,
  PRIMARY KEY (delivery_seq, attempt)
);

CREATE TABLE nodes (
  name         TEXT    PRIMARY KEY,
  role         TEXT    NOT NULL,
  started_at   BIGINT  NOT NULL,
  last_seen_at BIGINT  NOT NULL,
  running_jobs INTEGER NOT NULL DEFAULT 0,
  leader       BOOLEAN NOT NULL DEFAULT false
);
)sql"},
    // The dialect a job was submitted in (core/dialect.h), by its stored name; rows written
    // before it read as Conveyor's own (an unknown name too: DialectFromStored). Fractional
    // progress (65.5): the column becomes double precision. ADD COLUMN with a constant DEFAULT
    // is instant; the type change rewrites the jobs table and its indexes under an ACCESS
    // EXCLUSIVE lock, once (seconds per million jobs): run `conveyor migrate` at a quiet time.
    // And the jobs_failed index for the statistics.
    {2, R"sql(
ALTER TABLE jobs ADD COLUMN dialect TEXT NOT NULL DEFAULT 'succeeded';
ALTER TABLE jobs ALTER COLUMN progress TYPE double precision;

-- GET /admin/stats: the newest failures (ten rows off the front) and the mean attempt of FAILED
-- jobs (index-only where the visibility map allows). Partial: only FAILED rows are in it.
CREATE INDEX jobs_failed ON jobs (finished_at DESC NULLS LAST, seq DESC) INCLUDE (attempt)
  WHERE state = 'FAILED';
)sql"},
    // jobs_expiry serves the expirer (runtime/maintenance/expirer.h): JobNextExpiry reads its
    // first entry and JobExpireDue walks its due prefix, on the leader up to 5 times a second;
    // without it both would scan the whole backlog each time. Partial: only waiting jobs that
    // HAVE an expires_at are in it, so jobs submitted without one (most) pay nothing for it.
    {3, R"sql(
CREATE INDEX jobs_expiry ON jobs (expires_at)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING') AND expires_at IS NOT NULL;
)sql"},
    // Queues as rows (store/queue_types.h) with seed 003's plan queues preset, rate limits with
    // their current fixed window, and the claim index per queue (the claim takes from one queue
    // at a time). Creating jobs_claim anew locks writes to jobs for the build: run `conveyor
    // migrate` at a quiet time on a large backlog.
    {4, R"sql(
CREATE TABLE queues (
  name              TEXT    PRIMARY KEY,
  weight            INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000),
  concurrency_limit INTEGER CHECK (concurrency_limit >= 1),
  paused            BOOLEAN NOT NULL DEFAULT false,
  max_attempts      INTEGER CHECK (max_attempts >= 1),
  timeout_s         INTEGER CHECK (timeout_s >= 1),
  created_at        BIGINT  NOT NULL,
  updated_at        BIGINT  NOT NULL
);

INSERT INTO queues (name, weight, created_at, updated_at) VALUES
  ('default', 1, 0, 0), ('queue:free', 1, 0, 0), ('queue:pro', 5, 0, 0),
  ('queue:business', 7, 0, 0), ('queue:enterprise', 10, 0, 0);
INSERT INTO queues (name, created_at, updated_at) SELECT DISTINCT queue, 0, 0 FROM jobs
  ON CONFLICT DO NOTHING;

CREATE TABLE rate_limits (
  kind         TEXT    NOT NULL CHECK (kind IN ('queue', 'type')),
  name         TEXT    NOT NULL,
  max_starts   BIGINT  NOT NULL CHECK (max_starts >= 1),
  period_ms    BIGINT  NOT NULL CHECK (period_ms >= 1),
  window_start BIGINT  NOT NULL DEFAULT 0,
  used         BIGINT  NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, name)
);

DROP INDEX jobs_claim;
CREATE INDEX jobs_claim ON jobs (queue, priority, run_at, seq)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING');
)sql"},
    // Dependencies (docs/scheduling.md): the BLOCKED state in the CHECK (dropped
    // and added again: it validates every row once, under the migration's lock), one row per
    // edge of the dependency graph, and has_dependents on the job depended upon, so a
    // completion learns from the row it updates (and has locked) whether anything waits on it,
    // with no extra probe; a submit sets it under the same row lock, so the two never miss each
    // other. job_dependencies_on finds the dependents of a finished job. jobs_expiry is rebuilt
    // to hold BLOCKED jobs too (a job blocked past its expires_at expires).
    {5, R"sql(
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('SCHEDULED','PENDING',
  'RUNNING','SUCCEEDED','RETRYING','FAILED','CANCELLED','EXPIRED','BLOCKED'));
ALTER TABLE jobs ADD COLUMN has_dependents BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE job_dependencies (
  job_seq        BIGINT NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  depends_on_seq BIGINT NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
  PRIMARY KEY (job_seq, depends_on_seq)
);

CREATE INDEX job_dependencies_on ON job_dependencies (depends_on_seq);

DROP INDEX jobs_expiry;
CREATE INDEX jobs_expiry ON jobs (expires_at)
  WHERE state IN ('PENDING','SCHEDULED','RETRYING','BLOCKED') AND expires_at IS NOT NULL;
)sql"},
    // Cron schedules (runtime/schedule/scheduler.h; SQL in pg_schedules.cc). schedules_due
    // serves the scheduler's ScheduleNextRunAt and ScheduleListDue on the leader; paused rows
    // are not in it.
    {6, R"sql(
CREATE TABLE schedules (
  name        TEXT    PRIMARY KEY,
  cron        TEXT    NOT NULL,
  timezone    TEXT    NOT NULL DEFAULT 'UTC',
  job         TEXT    NOT NULL,
  paused      BOOLEAN NOT NULL DEFAULT false,
  next_run_at BIGINT,
  last_run_at BIGINT,
  created_at  BIGINT  NOT NULL,
  updated_at  BIGINT  NOT NULL,
  catch_up    TEXT    NOT NULL DEFAULT 'latest' CHECK (catch_up IN ('latest', 'none'))
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused;
)sql"},
    // Unique windows (JobInsertManyParams::key_window_ms): a job whose key window passed gives
    // its key up to a new job by moving it here, in the new job's insert transaction, so the
    // unique jobs_idempotency_key keeps meaning "the job holding the key now". Reads show
    // coalesce(idempotency_key, idempotency_key_released). ADD COLUMN without a default is
    // instant. No index: nothing looks a job up by a released key. Numbers 4-6 belong to other
    // parts of issue 11 (gaps are fine: Migrate applies every version not yet recorded).
    {7, R"sql(
ALTER TABLE jobs ADD COLUMN idempotency_key_released TEXT;
)sql"},
    // API keys (runtime/auth/key_ring.h; SQL in pg_api_keys.cc). Only the SHA-256 of a key's
    // secret is kept. Small (at most kMaxApiKeys rows), read whole by every node when its
    // version (count, revoked count) changes.
    {8, R"sql(
CREATE TABLE api_keys (
  id            TEXT   PRIMARY KEY,
  name          TEXT   NOT NULL UNIQUE,
  secret_sha256 TEXT   NOT NULL,
  scopes        TEXT   NOT NULL,
  job_types     TEXT   NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT,
  revoked_at    BIGINT,
  last_used_at  BIGINT
);
)sql"},
    // Rate limits per API key (runtime/auth/key_limiter.h): a key's own limits (both columns of
    // a pair set, or neither), and each key's use of each limit in its current fixed window,
    // summed over every node. One row per key and kind, updated in place by every node.
    {9, R"sql(
ALTER TABLE api_keys ADD COLUMN rate_max BIGINT;
ALTER TABLE api_keys ADD COLUMN rate_period_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN jobs_rate_max BIGINT;
ALTER TABLE api_keys ADD COLUMN jobs_rate_period_ms BIGINT;
CREATE TABLE api_key_usage (
  key_id       TEXT   NOT NULL,
  kind         TEXT   NOT NULL CHECK (kind IN ('requests', 'jobs')),
  window_start BIGINT NOT NULL,
  used         BIGINT NOT NULL,
  PRIMARY KEY (key_id, kind)
);
)sql"},
    // Tenants (runtime/auth/tenants.h; SQL in pg_tenants.cc): a customer whose keys share a
    // plan. jobs.tenant names the tenant whose key submitted a job ('' : none; ADD COLUMN with a
    // constant default is instant), and idempotency keys become unique per tenant:
    // jobs_idempotency_key is rebuilt on (idempotency_key, tenant), key first, so a lookup by
    // key alone (an admin's ?idempotency_key= over every tenant) still seeks it; the insert's
    // ON CONFLICT names these columns and the predicate. jobs_tenant serves a tenant's listing
    // (JobList with a tenant, newest first: one index range walked backwards); partial, so jobs
    // without a tenant pay nothing on insert or transition beyond its predicate. The JobList
    // WHERE repeats `tenant <> ''` so a generic plan can prove the predicate too.
    // api_keys.tenant references the tenant a key belongs to (NULL: none). The tenants table is
    // small (at most kMaxTenants rows) and read whole.
    {10, R"sql(
CREATE TABLE tenants (
  name       TEXT   PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
  plan       TEXT   NOT NULL CHECK (plan IN ('free','pro','business','enterprise')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

ALTER TABLE jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT '';

DROP INDEX jobs_idempotency_key;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key, tenant)
  WHERE idempotency_key IS NOT NULL;

CREATE INDEX jobs_tenant ON jobs (tenant, seq) WHERE tenant <> '';

ALTER TABLE api_keys ADD COLUMN tenant TEXT REFERENCES tenants (name);
)sql"},
    // W3C trace context (core/trace_context.h): the job's traceparent in version-00 form and the
    // tracestate its submitter sent. NULL on jobs stored before (ADD COLUMN without a default is
    // instant); no index (nothing looks a job up by its trace).
    {11, R"sql(
ALTER TABLE jobs ADD COLUMN traceparent TEXT;
ALTER TABLE jobs ADD COLUMN tracestate TEXT;
)sql"},
    // A queue's own retention ages (see sqlite_schema.h, migration 13). Nullable columns
    // without a default: adding them rewrites nothing.
    {12, R"sql(
ALTER TABLE queues ADD COLUMN retain_succeeded_ms BIGINT CHECK (retain_succeeded_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_failed_ms BIGINT CHECK (retain_failed_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_cancelled_ms BIGINT CHECK (retain_cancelled_ms >= 0);
ALTER TABLE queues ADD COLUMN retain_expired_ms BIGINT CHECK (retain_expired_ms >= 0);
)sql"},
    // job_events.job_seq no longer references jobs: the foreign key's check (a FOR KEY SHARE
    // probe of the job row, from an AFTER trigger) ran for each of a job's three events and
    // cost about a tenth of PostgreSQL's CPU in a burn-down. Events are written only in the
    // statement that changes their job, and the one DELETE of jobs (retention, kPruneDelete)
    // deletes their events in the same statement, through job_events_job.
    {13, R"sql(
ALTER TABLE job_events DROP CONSTRAINT job_events_job_seq_fkey;
)sql"},
};

inline constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at BIGINT  NOT NULL
))sql";

// Held until COMMIT/ROLLBACK; one key per schema.
inline constexpr const char* kLockMigrations =
    "SELECT pg_advisory_xact_lock(hashtextextended('conveyor.migrate.' ||"
    " coalesce(current_schema(), ''), 0))";
inline constexpr const char* kSelectMigrationVersion =
    "SELECT count(*) FROM schema_migrations WHERE version = $1::integer";
inline constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1::integer, $2::bigint)";

}  // namespace conveyor::pg_schema
