"""The Node peers (graphile-worker, pg-boss, BullMQ): one runner.js process per workload.

runner.js prints a JSON line per step and waits for a "go" line before each measured one; here
the CPU of the runner and of the database is read around every step, so connecting, migrating
and shutting down are outside the figures (docs/performance.md).
"""

import json
import os
import subprocess

from peers_infra import process_cpu_us

HERE = os.path.dirname(os.path.abspath(__file__))


class Runner:
    def __init__(self, system, mode, cfg, db, log_path):
        self.db = db
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "runner.js"), system, mode,
                                      json.dumps(cfg)], cwd=HERE, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)

    def expect(self, event):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=60)
            raise RuntimeError("the %s runner exited (%s) before %r; its log: %s\n%s" % (
                self.proc.args[2], self.proc.returncode, event, self.log_path, self._log_tail()))
        msg = json.loads(line)
        if msg.get("event") != event:
            raise RuntimeError("the runner said %r, not %r" % (msg, event))
        return msg

    def cpu(self):
        return process_cpu_us(self.proc.pid), self.db.cpu_us()

    def go(self):
        before = self.cpu()
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        return before

    def step(self, event):
        """go, then wait for `event`: (its message, process CPU µs, database CPU µs)."""
        p0, d0 = self.go()
        msg = self.expect(event)
        p1, d1 = self.cpu()
        return msg, p1 - p0, d1 - d0

    def finish(self):
        """The runner's own check: every job added completed once (it exits 1 otherwise)."""
        self.go()
        self.expect("checked")
        if self.proc.wait(timeout=120) != 0:
            raise RuntimeError("the runner failed: " + self._log_tail())
        self.log.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def _log_tail(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-3000:].decode(errors="replace")


def run_burn(system, cfg, db, log_path):
    """Bulk enqueue then burn-down: ({"enqueue": figures, "burn": figures})."""
    r = Runner(system, "burn", cfg, db, log_path)
    try:
        r.expect("ready")
        msg, p, d = r.step("enqueued")
        enqueue = {"jobs": cfg["jobs"], "seconds": msg["seconds"], "cpu_process_us": p,
                   "cpu_db_us": d}
        msg, p, d = r.step("burned")
        burn = {"jobs": cfg["jobs"], "seconds": msg["seconds"], "cpu_process_us": p,
                "cpu_db_us": d}
        r.finish()
        return {"enqueue": enqueue, "burn": burn}
    finally:
        r.kill()


def run_latency(system, cfg, db, log_path):
    r = Runner(system, "latency", cfg, db, log_path)
    try:
        r.expect("ready")
        msg, p, d = r.step("latency")
        samples = msg["samples_us"]
        r.finish()
        return {"jobs": len(samples), "seconds": cfg["seconds"], "cpu_process_us": p,
                "cpu_db_us": d, "samples_us": samples}
    finally:
        r.kill()
