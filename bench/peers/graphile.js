// graphile-worker on PostgreSQL for runner.js: addJobs (one INSERT per batch) and one run() with
// batched fetches and completions (https://worker.graphile.org/docs/performance#batching).
// Completed jobs leave its table, so "completed" is what was added minus the rows still there.
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';

const CONCURRENCY = 24;     // jobs at once in the one worker process
const LOCAL_QUEUE = 500;    // jobs fetched (and locked) per query
const BATCH_DELAY_MS = 0;   // completions of one event-loop turn share one query

export async function open(cfg) {
  const options = { connectionString: cfg.url, noHandleSignals: true, logger: quietLogger() };
  await runMigrations(options);
  const utils = await makeWorkerUtils(options);
  let added = 0;
  let runner = null;
  const count = async () => {
    const r = await utils.withPgClient(
      (c) => c.query('SELECT count(*)::int AS n FROM graphile_worker.jobs'));
    return r.rows[0].n;
  };
  return {
    insert: async (n) => {
      await utils.addJobs(Array.from({ length: n }, () => ({ identifier: 'noop', payload: {} })));
      added += n;
    },
    add: async (payload) => {
      await utils.addJob('noop', payload);
      added += 1;
    },
    work: async (handler) => {
      runner = await run({
        ...options,
        taskList: { noop: async (payload) => handler(payload) },
        preset: {
          worker: {
            concurrentJobs: CONCURRENCY,
            maxPoolSize: CONCURRENCY + 2,  // the docs' advice: concurrency + 2
            localQueue: { size: LOCAL_QUEUE },
            completeJobBatchDelay: BATCH_DELAY_MS,
          },
        },
      });
    },
    unfinished: count,
    completed: async () => added - (await count()),
    close: async () => {
      if (runner) await runner.stop();
      await utils.release();
    },
  };
}

// Its info lines (one per worker start and stop) would interleave with the driver's JSON lines:
// warnings and errors go to stderr, the rest nowhere.
function quietLogger() {
  return new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') console.error(message);
  });
}
