// RuntimeConfig: the knobs of the worker pool, leases and retries (flags and env map onto it).
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/retry_policy.h"

namespace conveyor {

// How long finished jobs are kept, per state, counted from finished_at (--retain-*; 0: for
// ever), and how the leader's Pruner deletes them (runtime/maintenance/pruner.h). A queue's own
// ages (QueueSettings) replace these for its jobs.
struct RetentionConfig {
  TimeMs succeeded_ms = 7 * 24 * 3600 * 1000LL;
  TimeMs failed_ms = 30 * 24 * 3600 * 1000LL;
  TimeMs cancelled_ms = 30 * 24 * 3600 * 1000LL;
  // Like failed: an expired job is one that never ran, which an operator looks into as late.
  TimeMs expired_ms = 30 * 24 * 3600 * 1000LL;
  // Jobs looked at per store call (one short write transaction), and the pause between calls
  // that leaves the store's writer to the hot path.
  int batch_limit = 1000;
  TimeMs batch_pause_ms = 20;
};

struct RuntimeConfig {
  std::string node_name = "node";
  int workers = 2;                  // --workers; 0 = API only
  // Jobs claimed per store round-trip, at most (workers claim fewer when jobs are slow). A claim
  // costs about one fsync whatever its size: 256 burned down 100k square_sum jobs at ~21k/s
  // with 2 workers on SQLite, 64 at ~12k/s.
  int claim_batch = 256;
  TimeMs lease_ms = 30000;          // lease per attempt; renewed every lease_ms/3 while running
  TimeMs rescue_interval_ms = 5000; // how often expired leases are looked for
  // Idle workers look for work at least this often (0: only when woken or a job falls due).
  // Needed where other processes add jobs to the same database and no push wake-up reaches us:
  // PostgreSQL with --no-listen (e.g. behind PgBouncer in transaction mode), and as a safety net
  // for a missed NOTIFY.
  TimeMs idle_poll_ms = 0;
  // Attempts of a job that sets no max_attempts: --max-attempts, or 1 + MAX_RETRIES /
  // --max-retries (retries after the first attempt, as Celery counts them).
  int default_max_attempts = 3;
  int default_timeout_s = 300;      // TASK_TIME_LIMIT
  // Jobs' artifacts go to <artifact_dir>/<job id>/ (serve: <data-dir>/artifacts); empty: the
  // handlers that make artifacts fail with FailedPrecondition.
  std::string artifact_dir;
  // The only directories csv.validate / csv.correct may read local inputs from (serve:
  // <data-dir>/inputs plus each --input-dir / CONVEYOR_INPUT_DIRS); empty: none.
  std::vector<std::string> input_dirs;
  // Job types external workers serve, declared by the operator (--external-types): names,
  // prefixes "images.*", or "*" for every type (runtime/type_catalog.h). Empty: only what a
  // handler serves or an external worker's lease names is accepted.
  std::vector<std::string> external_types;
  // The queues this node's workers take jobs from (--queues, Celery's -Q); empty: every queue.
  std::vector<std::string> queues;
  RetryPolicy retry;                // backoff between attempts
  TimeMs shutdown_grace_ms = 10000; // running work may finish within this on SIGTERM
  // How long a job holds its idempotency key (--idempotency-window): a submit with the key of a
  // job created longer ago makes a new job. 0: keys are held for ever.
  TimeMs idempotency_window_ms = 24 * 3600 * 1000;
  RetentionConfig retention;
};

}  // namespace conveyor
