// BullMQ on Redis for runner.js: addBulk per batch and one Worker with 100 jobs at once. Jobs
// keep their completed record (the default), as Conveyor and pg-boss keep theirs.
import { Queue, Worker } from 'bullmq';

const QUEUE = 'noop';
const CONCURRENCY = 100;

export async function open(cfg) {
  const connection = { host: '127.0.0.1', port: cfg.redis_port };
  const queue = new Queue(QUEUE, { connection });
  await queue.waitUntilReady();
  let worker = null;
  const counts = () => queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed',
                                          'failed');
  return {
    insert: (n) => queue.addBulk(Array.from({ length: n }, () => ({ name: 'noop', data: {} }))),
    add: (payload) => queue.add('noop', payload),
    work: async (handler) => {
      worker = new Worker(QUEUE, async (job) => { handler(job.data); },
                          { connection, concurrency: CONCURRENCY });
      worker.on('error', (err) => console.error(err));
      await worker.waitUntilReady();
    },
    unfinished: async () => {
      const c = await counts();
      return c.wait + c.active + c.delayed + c.prioritized;
    },
    completed: async () => {
      const c = await counts();
      if (c.failed > 0) throw new Error(`bullmq: ${c.failed} jobs failed`);
      return c.completed;
    },
    close: async () => {
      if (worker) await worker.close();
      await queue.close();
    },
  };
}
