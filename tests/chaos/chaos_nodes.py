"""The processes a chaos round runs and breaks: `conveyor serve` / `conveyor worker` nodes on fixed
loopback ports (so clients keep their address across a kill -9 and restart), and the PostgreSQL
cluster of tests/e2e/pg_server.py. Python standard library only.
"""

import http.client
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from conveyor_harness import binary, free_port  # noqa: E402  (path set just above)


class Node:
    """One conveyor process. kind: "serve" (API + workers) or "worker" (admin port only)."""

    def __init__(self, kind, store, tmpdir, name, runtime_flags, env=None):
        self.kind = kind
        self.store = store
        self.name = name
        self.port = free_port()
        self.flags = list(runtime_flags)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.log_path = os.path.join(tmpdir, name + ".log")
        self.proc = None

    def command(self):
        addr = "127.0.0.1:%d" % self.port
        listen = ["--listen", addr] if self.kind == "serve" else ["--admin-listen", addr]
        # A worker counts as public for outbound policy (docs/security.md): the receivers of a
        # chaos round are on loopback, so both kinds allow private destinations explicitly.
        return ([binary(), self.kind, "--store", self.store, "--node-name", self.name] + listen +
                ["--webhook-allow-private", "true"] + self.flags)

    def start(self, timeout=30.0):
        with open(self.log_path, "ab") as log:
            log.write(("\n===== start: %s\n" % " ".join(self.command())).encode())
            log.flush()
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d at start; log tail:\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            if self.health() == 200:
                return self
            time.sleep(0.05)
        raise RuntimeError("%s did not answer /health within %.0f s; log tail:\n%s"
                           % (self.name, timeout, self.log_tail()))

    def health(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/health")
            status = conn.getresponse().status
            conn.close()
            return status
        except (OSError, http.client.HTTPException):
            return None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def kill9(self):
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout=20.0):
        """SIGTERM (SIGCONT first, in case it is stopped); SIGKILL if it does not exit in time."""
        if not self.running():
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()[-32 * 1024:]
        except OSError:
            return "(no log)"
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def postmaster_pid(pg):
    """The postmaster's pid from its postmaster.pid file (first line)."""
    with open(os.path.join(pg.dir, "data", "postmaster.pid")) as f:
        return int(f.readline().strip())


def kill9_postmaster(pg):
    """kill -9 of the postmaster (its backends notice and exit by themselves)."""
    pid = postmaster_pid(pg)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    pg.running = False


def start_pg(pg, timeout=30.0):
    """pg_ctl start, retried: after a kill -9 the orphaned backends hold the shared memory for a
    moment and the server refuses to start until they are gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return pg.start()
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
