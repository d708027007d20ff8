"""Conveyor's side of bench/peers: `conveyor serve` on SQLite or on the shared PostgreSQL.

The same phases as `conveyor bench` (bench/suite/bench_work_phases.cc): jobs are inserted through
POST /jobs/batch by a --workers 0 server, which then stops; a restarted server with workers burns
them down, timed from its start until no job is left unfinished (GET /jobs?status=…&limit=1 every
10 ms, an index seek each) and GET /admin/stats then counts them all SUCCEEDED. Latency: one
keep-alive connection POSTs a noop job every 1/rate s; the noop handler's result holds the
wall-clock µs it started at (docs/handlers.md), set against the clock read just before the POST.
"""

import http.client
import json
import os
import signal
import subprocess
import threading
import time

from peers_infra import process_cpu_us

NOOP = {"type": "noop", "payload": {}}


class Server:
    """One `conveyor serve` process listening on a free port (its --port-file)."""

    def __init__(self, binary, store, workers, run_dir, name):
        self.port_file = os.path.join(run_dir, "port-" + name)
        self.log = open(os.path.join(run_dir, "server-%s.log" % name), "ab")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file, "--store",
             store, "--workers", str(workers), "--node-name", "peers-" + name,
             "--data-dir", run_dir], stdout=self.log, stderr=self.log)
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("conveyor serve exited with %d (log: %s)" % (
                    self.proc.returncode, self.log.name))
            try:
                with open(self.port_file) as f:
                    port = int(f.read().strip() or 0)
                if port:
                    return port
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.005)
        raise RuntimeError("conveyor serve did not listen within 60 s")

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def cpu_us(self):
        return process_cpu_us(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=120)
        self.log.close()


def call(conn, method, path, body=None, want=200):
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    raw = res.read()
    if res.status != want:
        raise RuntimeError("%s %s: HTTP %d %s" % (method, path, res.status, raw[:300]))
    return raw


def succeeded(conn):
    """GET /admin/stats: (SUCCEEDED, not yet finished); raises when a job FAILED or worse."""
    stats = json.loads(call(conn, "GET", "/api/v1/admin/stats"))["status_breakdown"]
    bad = {k: stats.get(k, 0) for k in ("FAILED", "CANCELLED", "EXPIRED") if stats.get(k, 0)}
    if bad:
        raise RuntimeError("conveyor: jobs ended badly: %r" % bad)
    done = stats.get("SUCCEEDED", 0)
    return done, sum(v for v in stats.values()) - done


def any_unfinished(conn):
    """One job of each unfinished state, newest first: an index seek each, as cheap for the
    server as the peers' own completion counters are for them (no count of the table)."""
    for state in ("PENDING", "RUNNING", "RETRYING", "SCHEDULED"):
        if json.loads(call(conn, "GET", "/api/v1/jobs?limit=1&status=" + state))["jobs"]:
            return True
    return False


def wait_all_succeeded(server, total, timeout_s):
    conn = server.connect()
    deadline = time.monotonic() + timeout_s
    while True:
        if not any_unfinished(conn):
            done, left = succeeded(conn)
            if done > total:
                raise RuntimeError("conveyor: %d SUCCEEDED, more than the %d inserted" % (
                    done, total))
            if done == total and left == 0:
                return
        if time.monotonic() > deadline:
            done, _ = succeeded(conn)
            raise RuntimeError("conveyor: %d of %d SUCCEEDED after %d s" % (done, total, timeout_s))
        time.sleep(0.01)  # as often as the peers' runner looks


def insert_all(server, jobs, batch, inflight):
    body = json.dumps({"jobs": [NOOP] * batch}).encode()
    lock = threading.Lock()
    left = [jobs]
    errors = []

    def lane():
        conn = server.connect()
        try:
            while True:
                with lock:
                    n = min(batch, left[0])
                    left[0] -= n
                if n == 0:
                    return
                data = body if n == batch else json.dumps({"jobs": [NOOP] * n}).encode()
                conn.request("POST", "/api/v1/jobs/batch", body=data,
                             headers={"Content-Type": "application/json"})
                res = conn.getresponse()
                raw = res.read()
                if res.status != 201 or raw.count(b'"is_new"') != n:
                    raise RuntimeError("POST /jobs/batch: HTTP %d %s" % (res.status, raw[:300]))
        except Exception as e:  # noqa: BLE001 (reported below, from the main thread)
            errors.append(e)

    threads = [threading.Thread(target=lane) for _ in range(inflight)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def run_burn(binary, store, cfg, db, run_dir):
    """Bulk enqueue by a --workers 0 server, then burn-down by a restarted one."""
    loader = Server(binary, store, 0, run_dir, "insert")
    try:
        p0, d0 = loader.cpu_us(), db.cpu_us()
        t0 = time.monotonic()
        insert_all(loader, cfg["jobs"], cfg["batch"], cfg["inflight"])
        seconds = time.monotonic() - t0
        enqueue = {"jobs": cfg["jobs"], "seconds": seconds,
                   "cpu_process_us": loader.cpu_us() - p0, "cpu_db_us": db.cpu_us() - d0}
    finally:
        loader.stop()
    d0 = db.cpu_us()
    t0 = time.monotonic()
    worker = Server(binary, store, cfg["workers"], run_dir, "burn")
    try:
        wait_all_succeeded(worker, cfg["jobs"], cfg["timeout_s"])
        seconds = time.monotonic() - t0
        burn = {"jobs": cfg["jobs"], "seconds": seconds, "cpu_process_us": worker.cpu_us(),
                "cpu_db_us": db.cpu_us() - d0}
    finally:
        worker.stop()
    return {"enqueue": enqueue, "burn": burn}


def run_latency(binary, store, cfg, db, run_dir):
    server = Server(binary, store, cfg["workers"], run_dir, "latency")
    try:
        conn = server.connect()
        for _ in range(cfg["warmup"]):  # as the peers do, outside the measurement
            call(conn, "POST", "/api/v1/jobs", NOOP, want=201)
        wait_all_succeeded(server, cfg["warmup"], cfg["timeout_s"])
        total = round(cfg["rate"] * cfg["seconds"])
        sent = []
        p0, d0 = server.cpu_us(), db.cpu_us()
        start = time.monotonic()
        for i in range(total):
            due = start + i / cfg["rate"]
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            t = time.time()
            job = json.loads(call(conn, "POST", "/api/v1/jobs", NOOP, want=201))
            sent.append((job["id"], t))
        wait_all_succeeded(server, cfg["warmup"] + total, cfg["timeout_s"])
        p1, d1 = server.cpu_us(), db.cpu_us()
        samples = []
        for job_id, t in sent:
            job = json.loads(call(conn, "GET", "/api/v1/jobs/" + job_id))
            samples.append(round(job["result"]["started_at_us"] - t * 1e6))
        return {"jobs": total, "seconds": cfg["seconds"], "cpu_process_us": p1 - p0,
                "cpu_db_us": d1 - d0, "samples_us": samples}
    finally:
        server.stop()
