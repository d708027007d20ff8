// A same-origin stand-in for the embedded dashboard until the binary serves it: /dashboard/*
// from web/dashboard/ (uPlot's two files from the npm package), everything else proxied to a
// `conveyor serve` started here on port 0. Node stdlib only.
//
//   node tests/browser/dev_server.mjs [serve flags...]   prints the dashboard URL, runs until ^C
//
// CONVEYOR_BIN: the binary (default build/conveyor); UPLOT_DIR: uplot's dist/ (default
// web/node_modules/uplot/dist, else /tmp/uplot/node_modules/uplot/dist); DEV_PORT: the
// proxy's port (default any).
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const DASHBOARD_DIR = path.join(REPO, 'web', 'dashboard');
// uPlot from web/'s npm install, else from a hand install in /tmp.
const UPLOT_DEFAULTS = [path.join(REPO, 'web', 'node_modules', 'uplot', 'dist'), '/tmp/uplot/node_modules/uplot/dist'];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

export function conveyorBin() {
  const bin = process.env.CONVEYOR_BIN || path.join(REPO, 'build', 'conveyor');
  if (!existsSync(bin)) throw new Error(`no conveyor binary at ${bin}: set CONVEYOR_BIN`);
  return bin;
}

// Starts `conveyor serve` on 127.0.0.1:0 in a fresh temp dir and waits for /health.
export async function startConveyor(extraArgs = [], { workers = 2 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-browser-'));
  const portFile = path.join(dir, 'port');
  const args = ['serve', '--listen', '127.0.0.1:0', '--port-file', portFile,
    '--store', `sqlite:${path.join(dir, 'conveyor.db')}`, '--workers', String(workers), ...extraArgs];
  const log = [];
  const proc = spawn(conveyorBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => log.push(d));
  proc.stderr.on('data', (d) => log.push(d));
  const logTail = () => Buffer.concat(log).toString().slice(-4000);
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`conveyor serve exited with ${proc.exitCode}:\n${logTail()}`);
    const text = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
    if (/^\d+$/.test(text) && (await healthy(Number(text)))) {
      return {
        port: Number(text), dir, logTail,
        stop: async () => {
          proc.kill('SIGTERM');
          await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`conveyor serve did not listen within 20 s:\n${logTail()}`);
}

function healthy(port) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

function serveFile(res, file) {
  let st;
  try {
    st = statSync(file);
  } catch {
    st = null;
  }
  if (!st || !st.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  // The policy the embedded dashboard is served with, so the test sees what it would block.
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
    'Content-Length': st.size, 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'self'" });
  createReadStream(file).pipe(res);
}

// The file under /dashboard/ a URL path names, or null when it would leave the folder.
function dashboardFile(urlPath) {
  const rel = decodeURIComponent(urlPath.slice('/dashboard/'.length)) || 'index.html';
  const uplotDir = process.env.UPLOT_DIR || UPLOT_DEFAULTS.find((d) => existsSync(d)) || UPLOT_DEFAULTS[0];
  const base = rel.startsWith('assets/uPlot.') ? uplotDir : DASHBOARD_DIR;
  const name = rel.startsWith('assets/uPlot.') ? rel.slice('assets/'.length) : rel;
  const file = path.resolve(base, name);
  return file.startsWith(path.resolve(base) + path.sep) ? file : null;
}

// Streams both ways, so Server-Sent Events pass through as they come.
function proxy(req, res, port) {
  const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url,
    headers: { ...req.headers, host: `127.0.0.1:${port}` } }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  up.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`proxy: ${e.message}\n`);
  });
  req.pipe(up);
  res.on('close', () => up.destroy());
}

// → {url: 'http://127.0.0.1:N/dashboard/', conveyor, stop()}
export async function startDevServer(extraArgs = [], opts = {}) {
  const conveyor = await startConveyor(extraArgs, opts);
  const server = http.createServer((req, res) => {
    const urlPath = req.url.split('?')[0];
    if (urlPath === '/dashboard') {
      res.writeHead(301, { Location: '/dashboard/' });
      res.end();
    } else if (urlPath.startsWith('/dashboard/')) {
      const file = dashboardFile(urlPath);
      if (file) serveFile(res, file);
      else {
        res.writeHead(400);
        res.end();
      }
    } else {
      proxy(req, res, conveyor.port);
    }
  });
  await new Promise((r) => server.listen(Number(process.env.DEV_PORT || 0), '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/dashboard/`,
    origin: `http://127.0.0.1:${port}`,
    conveyor,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await conveyor.stop();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dev = await startDevServer(process.argv.slice(2));
  console.log(dev.url);
  const quit = async () => {
    await dev.stop();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
