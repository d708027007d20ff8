// Starts the real `conveyor serve` on 127.0.0.1:0 in a fresh temp directory for the node tests
// (tests/web, tests/browser), like tests/e2e/conveyor_harness.py does for Python: the binary
// is $CONVEYOR_BIN (CTest sets it), the port comes from --port-file, and /health must answer
// before the tests start. Every wait is bounded.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The npm packages live in web/node_modules (`make web-deps`), not above tests/.
export const webDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
export const requireWeb = createRequire(join(webDir, "package.json"));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startServer({ timeoutMs = 20000 } = {}) {
  const bin = process.env.CONVEYOR_BIN;
  if (!bin) throw new Error("set CONVEYOR_BIN to the conveyor binary (ctest does)");
  const dir = mkdtempSync(join(tmpdir(), "conveyor-web-"));
  const portFile = join(dir, "port");
  const logPath = join(dir, "server.log");
  const log = openSync(logPath, "a");
  const proc = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--port-file", portFile,
                           "--store", "sqlite:" + join(dir, "conveyor.db"), "--workers", "2"],
                     { cwd: dir, stdio: ["ignore", log, log] });
  const logTail = () => readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n");
  const deadline = Date.now() + timeoutMs;
  let base = null;
  while (Date.now() < deadline && proc.exitCode === null) {
    try {
      const port = parseInt(readFileSync(portFile, "utf8").trim(), 10);
      if (port > 0) {
        base = `http://127.0.0.1:${port}`;
        if ((await fetch(base + "/health")).ok) break;
      }
    } catch {
      // Not written or not listening yet: try again until the deadline.
    }
    await sleep(50);
  }
  if (proc.exitCode !== null || Date.now() >= deadline) {
    proc.kill("SIGKILL");
    throw new Error(`conveyor serve did not become healthy; log tail:\n${logTail()}`);
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      const until = Date.now() + 10000;
      while (proc.exitCode === null && Date.now() < until) await sleep(50);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, dir, stop, logTail };
}

// Runs `body(server)` against a fresh server and stops it, exiting 1 with the message on failure.
export async function withServer(body) {
  const server = await startServer();
  try {
    await body(server);
  } catch (e) {
    console.error(`FAIL: ${e.stack || e}\nserver log tail:\n${server.logTail()}`);
    process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

export function check(ok, message) {
  if (!ok) throw new Error(message);
}
