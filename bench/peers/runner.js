// One peer's side of a bench/peers run (docs/performance.md), driven by run_peers.py over stdio:
//   node runner.js <graphile|pgboss|bullmq> <burn|latency> '<config JSON>'
// It prints one JSON line per step ({"event": ...}) and waits for a "go" line before each
// measured step, so the driver reads CPU times exactly around it; setup (connections,
// migrations) and shutdown stay outside every measurement.
//
// burn:    ready → go → insert cfg.jobs no-op jobs in batches of cfg.batch, cfg.inflight batches
//          in flight → "enqueued" → go → start the worker → "burned" once the store holds no
//          unfinished job → go → checks and exit.
// latency: start the worker, run cfg.warmup jobs → ready → go → add one job every 1/cfg.rate s
//          for cfg.seconds, each carrying the wall-clock µs taken just before its add call; the
//          handler records (its start − that) → "latency" with every sample → go → checks and exit.
import readline from 'node:readline';

const adapters = {
  graphile: () => import('./graphile.js'),
  pgboss: () => import('./pgboss.js'),
  bullmq: () => import('./bullmq.js'),
};

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function say(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

async function waitGo() {
  const line = await lines.next();
  if (line.done) throw new Error('the driver closed stdin');
}

// Wall-clock microseconds: the driver's Python (time.time) and Conveyor's noop use the same clock.
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what, check, timeoutS) {
  const deadline = Date.now() + timeoutS * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutS} s waiting for ${what}`);
    await sleep(10);
  }
}

async function insertAll(peer, cfg) {
  let next = 0;
  const lane = async () => {
    while (next < cfg.jobs) {
      const n = Math.min(cfg.batch, cfg.jobs - next);
      next += n;
      await peer.insert(n);
    }
  };
  await Promise.all(Array.from({ length: cfg.inflight }, lane));
}

async function burn(peer, cfg) {
  say('ready');
  await waitGo();
  let t0 = performance.now();
  await insertAll(peer, cfg);
  say('enqueued', { seconds: (performance.now() - t0) / 1000, jobs: cfg.jobs });
  await waitGo();
  let ran = 0;
  t0 = performance.now();
  await peer.work(() => { ran += 1; });
  await waitUntil('every job to run', () => ran >= cfg.jobs, cfg.timeout_s);
  // A handler that returned is not a completed job until its completion is stored.
  await waitUntil('every completion to be stored', async () => (await peer.unfinished()) === 0,
                  cfg.timeout_s);
  say('burned', { seconds: (performance.now() - t0) / 1000, ran });
  return { added: cfg.jobs, ran };
}

async function latency(peer, cfg) {
  const samples = [];
  let ran = 0;
  await peer.work((payload) => { ran += 1; samples.push(nowUs() - payload.t); });
  // Warm-up outside the measurement: the pools open their connections, the code is compiled.
  await Promise.all(Array.from({ length: cfg.warmup }, () => peer.add({ t: nowUs() })));
  await waitUntil('the warm-up jobs to run', () => samples.length >= cfg.warmup, cfg.timeout_s);
  await waitUntil('the warm-up to be stored', async () => (await peer.unfinished()) === 0,
                  cfg.timeout_s);
  samples.length = 0;
  say('ready');
  await waitGo();
  const total = Math.round(cfg.rate * cfg.seconds);
  const t0 = performance.now();
  const adds = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / cfg.rate;  // open loop: a slow add does not delay the next
    if (due > performance.now()) await sleep(due - performance.now());
    adds.push(peer.add({ t: nowUs() }));
  }
  await Promise.all(adds);
  await waitUntil('every job to start', () => samples.length >= total, cfg.timeout_s);
  await waitUntil('every completion to be stored', async () => (await peer.unfinished()) === 0,
                  cfg.timeout_s);
  say('latency', { samples_us: samples.map(Math.round) });
  return { added: cfg.warmup + total, ran };
}

async function main() {
  const [system, mode, config] = process.argv.slice(2);
  const cfg = JSON.parse(config);
  const peer = await (await adapters[system]()).open(cfg);
  const { added, ran } = mode === 'burn' ? await burn(peer, cfg) : await latency(peer, cfg);
  await waitGo();
  const completed = await peer.completed();
  await peer.close();
  // Each peer really ran every job: as many completed as were added, none run twice.
  if (completed !== added || ran !== added) {
    throw new Error(`${system} ${mode}: ${added} jobs added, ${completed} completed, the handler` +
                    ` ran ${ran} times`);
  }
  say('checked', { completed });
}

main().then(() => process.exit(0), (err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
