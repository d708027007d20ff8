// pg-boss on PostgreSQL for runner.js: insert([...]) per batch and two work() loops fetching 500
// jobs each; a batch's completions are one query when its handler resolves.
import PgBoss from 'pg-boss';

const QUEUE = 'noop';
const WORKERS = 2;
const BATCH_SIZE = 500;
const POLL_S = 0.5;  // pg-boss's smallest polling interval

export async function open(cfg) {
  const boss = new PgBoss({ connectionString: cfg.url });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  await boss.createQueue(QUEUE);
  const count = async (states) => {
    const r = await boss.getDb().executeSql(
      'SELECT count(*)::int AS n FROM pgboss.job' +
        ' WHERE name = $1 AND state = ANY($2::pgboss.job_state[])',
      [QUEUE, states]);
    return r.rows[0].n;
  };
  return {
    insert: (n) => boss.insert(Array.from({ length: n }, () => ({ name: QUEUE, data: {} }))),
    add: (payload) => boss.send(QUEUE, payload),
    work: async (handler) => {
      const ids = [];
      for (let i = 0; i < WORKERS; i++) {
        ids[i] = await boss.work(QUEUE, { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLL_S },
          async (jobs) => {
            for (const job of jobs) handler(job.data);
            // A worker waits out the polling interval even after a full batch; a full batch says
            // more are queued, so ask for the next one now (pg-boss's public notifyWorker).
            if (jobs.length === BATCH_SIZE && ids[i]) boss.notifyWorker(ids[i]);
          });
      }
    },
    unfinished: () => count(['created', 'retry', 'active']),
    completed: () => count(['completed']),
    close: () => boss.stop({ graceful: true, wait: true }),
  };
}
