#!/usr/bin/env python3
"""A Conveyor worker in plain Python (standard library only).

It leases jobs over HTTP (POST /api/v1/leases, a long poll), runs the function registered for
each job type, heartbeats while a job runs (carrying progress and picking up cancel requests),
and reports the outcome: successes in batches (POST /api/v1/completions: whatever finished while
the previous batch was in flight), failures one by one (POST /api/v1/jobs/{id}/fail). The wire protocol is in
docs/api.md, "Worker routes (for client authors)".

Use it as a program:

    python3 examples/python_worker.py --url http://127.0.0.1:8000 --concurrency 8 \
        --module my_tasks.py            # a file with @task("type") functions

or as a library: `from python_worker import task, Worker` (see `main()`).

A task is a function taking one `Job` and returning any JSON value (the job's result):

    @task("images.resize")
    def resize(job):
        job.progress(50, "resizing")
        if job.cancelled:
            raise Cancelled()
        return {"path": job.payload["path"]}

Raise `RetryLater(seconds)` to retry after a chosen delay, `PermanentError(msg)` to fail without
retrying; any other exception fails the attempt and the job's retry policy decides what next.
SIGTERM or SIGINT stop leasing; jobs already leased run to the end (up to --grace seconds).
"""

import argparse
import http.client
import importlib.util
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse

TASKS = {}


def task(type_name):
    """Registers the decorated function as the handler of jobs of `type_name`."""
    def register(fn):
        TASKS[type_name] = fn
        return fn
    return register


class Cancelled(Exception):
    """Raise when job.cancelled turned true: the job ends CANCELLED."""


class RetryLater(Exception):
    """Fail this attempt and retry in `seconds` (instead of the job's backoff)."""

    def __init__(self, seconds, message="retry requested by the task"):
        super().__init__(message)
        self.seconds = seconds


class PermanentError(Exception):
    """Fail the job for good: no more attempts."""


class ConflictError(Exception):
    """The server answered 409: this worker's lease on the job is gone."""


class Job:
    """A leased job as the task sees it."""

    def __init__(self, data):
        self.id = data["id"]
        self.type = data["type"]
        self.queue = data["queue"]
        self.payload = data["payload"]
        self.attempt = data["attempt"]
        self.max_attempts = data["max_attempts"]
        self.timeout_s = data["timeout_s"]
        self.lease_token = data["lease_token"]
        self._lock = threading.Lock()
        self._progress = None
        self._message = None
        self._cancelled = threading.Event()
        self.lost = False  # the lease expired or moved on: our outcome will not count

    def progress(self, percent, message=None):
        """Records progress (0-100); the next heartbeat carries it to the server."""
        with self._lock:
            self._progress = max(0, min(100, int(percent)))
            self._message = message

    @property
    def cancelled(self):
        """True once a heartbeat brought back cancel_requested."""
        return self._cancelled.is_set()

    def wait_cancelled(self, seconds):
        """Sleeps up to `seconds`; returns True early when the job gets cancelled."""
        return self._cancelled.wait(seconds)

    def heartbeat_body(self, lease_s):
        with self._lock:
            body = {"lease_token": self.lease_token, "lease_s": lease_s}
            if self._progress is not None:
                body["progress"] = self._progress
            if self._message is not None:
                body["message"] = self._message[:1024]
            return body


class Client:
    """One keep-alive HTTP connection per thread to the Conveyor API."""

    def __init__(self, url, timeout=30.0):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"--url must look like http://127.0.0.1:8000, got {url!r}")
        self.scheme = u.scheme
        self.host = u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/") + "/api/v1"
        self.timeout = timeout
        self.local = threading.local()

    def _connection(self, timeout):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=timeout)
            self.local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def post(self, path, body, timeout=None):
        """POSTs JSON; returns (status, parsed JSON body). Retries once on a dropped connection."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):
            conn = self._connection(timeout or self.timeout)
            try:
                conn.request("POST", self.prefix + path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
            except (http.client.HTTPException, ConnectionError, socket.timeout, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Worker:
    def __init__(self, client, tasks, worker_id, queues=(), types=(), concurrency=4, batch=10,
                 lease_s=30.0, wait_s=20.0, grace_s=30.0, log=print):
        self.client = client
        self.tasks = dict(tasks)
        self.worker_id = worker_id
        self.queues = list(queues)
        # Without --types, the worker asks for exactly the types it has a task for.
        self.types = list(types) or sorted(self.tasks)
        self.concurrency = concurrency
        self.batch = batch
        self.lease_s = lease_s
        self.wait_s = wait_s
        self.grace_s = grace_s
        self.log = log
        self.stopping = threading.Event()
        self.ready = queue.Queue()
        self.done = queue.Queue()  # (job, result) waiting to be sent in the next POST /completions
        self.running = {}  # job id -> Job, leased and not yet reported
        self.running_lock = threading.Lock()
        self.free = threading.Semaphore(concurrency)
        self.completed = 0
        self.failed = 0

    # ---- leasing ----

    def lease_loop(self):
        while not self.stopping.is_set():
            if not self.free.acquire(timeout=0.5):
                continue
            n = 1  # one slot is ours; take the other free ones too, up to the batch size
            while n < self.batch and self.free.acquire(blocking=False):
                n += 1
            jobs = self.lease(n)
            for _ in range(n - len(jobs)):
                self.free.release()
            for data in jobs:
                job = Job(data)
                with self.running_lock:
                    self.running[job.id] = job
                self.ready.put(job)

    def lease(self, n):
        body = {"worker_id": self.worker_id, "max": n, "wait_s": self.wait_s,
                "lease_s": self.lease_s, "types": self.types}
        if self.queues:
            body["queues"] = self.queues
        try:
            # The HTTP timeout must outlast the long poll, or a lease could be granted to a
            # request nobody reads any more (the job then waits for its lease to expire).
            status, answer = self.client.post("/leases", body, timeout=self.wait_s + 30)
        except OSError as e:
            self.log(f"lease failed: {e}; retrying in 1 s")
            self.stopping.wait(1)
            return []
        if status != 200:
            self.log(f"lease answered {status}: {answer}; retrying in 1 s")
            self.stopping.wait(1)
            return []
        return answer["jobs"]

    # ---- running ----

    def run_loop(self):
        while True:
            job = self.ready.get()
            if job is None:
                return
            queued = False
            try:
                queued = self.run_one(job)
            finally:
                if not queued:
                    self.forget(job)
                self.free.release()

    def forget(self, job):
        with self.running_lock:
            self.running.pop(job.id, None)

    def run_one(self, job):
        """Runs the task; True when its result waits in self.done for the completion batch."""
        fn = self.tasks.get(job.type)
        try:
            if fn is None:
                raise PermanentError(f"this worker has no task for type {job.type!r}")
            result = fn(job)
        except Cancelled:
            self.report_fail(job, "cancelled by request", retryable=False)
        except RetryLater as e:
            self.report_fail(job, str(e), retryable=True, retry_in_s=e.seconds)
        except PermanentError as e:
            self.report_fail(job, str(e) or type(e).__name__, retryable=False)
        except Exception as e:  # a task's failure, not the worker's: report it and go on
            detail = f"{type(e).__name__}: {e}"
            self.log(f"job {job.id} ({job.type}) failed: {detail}\n{traceback.format_exc()}")
            self.report_fail(job, detail, retryable=True)
        else:
            try:
                json.dumps(result)  # a result that is not JSON fails here, not the whole batch
            except (TypeError, ValueError) as e:
                self.report_fail(job, f"the task's result is not JSON: {e}", retryable=False)
                return False
            self.done.put((job, result))
            return True
        return False

    # ---- completions, batched ----

    def complete_loop(self):
        """Sends finished jobs in one POST /completions (one store transaction on the server):
        whatever finished while the previous request was in flight goes in the next one."""
        while True:
            item = self.done.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < 1000:
                try:
                    item = self.done.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.done.put(None)
                    break
                batch.append(item)
            self.report_completions(batch)
            for job, _ in batch:
                self.forget(job)

    def report_completions(self, batch):
        body = {"completions": [{"id": job.id, "lease_token": job.lease_token, "result": result}
                                for job, result in batch]}
        for attempt in range(5):
            try:
                status, answer = self.client.post("/completions", body)
            except OSError as e:
                self.log(f"completions failed ({e}); retrying")
                time.sleep(0.2 * (attempt + 1))
                continue
            if status != 200:
                self.log(f"completions answered {status}: {answer}")
                return
            for outcome in answer["results"]:
                if outcome["status"] == 200:
                    self.completed += 1
                else:
                    self.log(f"complete of job {outcome['id']}: {outcome['status']} "
                             f"{outcome.get('detail', '')}")
            return
        self.log(f"giving up reporting {len(batch)} jobs; their leases will expire and they will "
                 "run again")

    def report_fail(self, job, error, retryable, retry_in_s=None):
        body = {"lease_token": job.lease_token, "error": error[:8192], "retryable": retryable}
        if retry_in_s is not None:
            body["retry_in_s"] = retry_in_s
        self.report("fail", job, body)

    def report(self, verb, job, body):
        for attempt in range(5):
            try:
                status, answer = self.client.post(f"/jobs/{job.id}/{verb}", body)
            except OSError as e:
                self.log(f"{verb} of job {job.id} failed ({e}); retrying")
                time.sleep(0.2 * (attempt + 1))
                continue
            if status == 200:
                self.failed += 1
            elif status == 409:
                self.log(f"{verb} of job {job.id}: lease lost, outcome dropped ({answer['detail']})")
            else:
                self.log(f"{verb} of job {job.id} answered {status}: {answer}")
            return
        self.log(f"giving up reporting job {job.id}; its lease will expire and it will run again")

    # ---- heartbeats ----

    def heartbeat_loop(self):
        every = max(0.2, min(self.lease_s / 3.0, 10.0))
        while not (self.stopping.is_set() and self.idle()):
            time.sleep(every)
            with self.running_lock:
                jobs = list(self.running.values())
            for job in jobs:
                self.heartbeat(job)

    def heartbeat(self, job):
        try:
            status, answer = self.client.post(f"/jobs/{job.id}/heartbeat",
                                              job.heartbeat_body(self.lease_s))
        except OSError as e:
            self.log(f"heartbeat of job {job.id} failed: {e}")
            return
        if status == 200 and answer.get("cancel_requested"):
            job._cancelled.set()
        elif status in (404, 409):
            job.lost = True
            job._cancelled.set()  # nothing it does will count: let it stop early

    def idle(self):
        with self.running_lock:
            return not self.running

    # ---- lifecycle ----

    def run(self):
        threads = [threading.Thread(target=self.run_loop, daemon=True, name=f"run-{i}")
                   for i in range(self.concurrency)]
        threads.append(threading.Thread(target=self.heartbeat_loop, daemon=True, name="beat"))
        threads.append(threading.Thread(target=self.complete_loop, daemon=True, name="complete"))
        for t in threads:
            t.start()
        self.log(f"worker {self.worker_id}: types {self.types}, concurrency {self.concurrency}, "
                 f"batch {self.batch}, lease {self.lease_s}s")
        self.lease_loop()
        # Stopping: no more leases; what was leased runs to the end within the grace time.
        deadline = time.monotonic() + self.grace_s
        while not self.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(self.concurrency):
            self.ready.put(None)
        self.done.put(None)
        self.log(f"worker {self.worker_id} stopped: {self.completed} completed, "
                 f"{self.failed} failed")

    def stop(self, *_):
        self.stopping.set()


# ---- demo tasks (types "example.*"); the e2e tests use them too ----

@task("example.echo")
def echo(job):
    """Returns its payload: the smallest possible task."""
    return {"echo": job.payload}


@task("example.sleep")
def sleep(job):
    """Sleeps payload.seconds (a number, or a list: the entry for this attempt, the last entry
    for later ones), reporting progress in 10 steps and stopping when cancelled."""
    seconds = job.payload.get("seconds", 1)
    if isinstance(seconds, list):
        seconds = seconds[min(job.attempt, len(seconds)) - 1]
    for step in range(10):
        job.progress(step * 10, f"step {step + 1} of 10")
        if job.wait_cancelled(seconds / 10.0):
            raise Cancelled()
    return {"slept_s": seconds, "attempt": job.attempt}


@task("example.flaky")
def flaky(job):
    """Fails until attempt payload.succeed_on (default 2): retryable unless payload.permanent,
    after payload.retry_in_s when given."""
    if job.attempt < job.payload.get("succeed_on", 2):
        if job.payload.get("permanent"):
            raise PermanentError(f"attempt {job.attempt} failed for good")
        if "retry_in_s" in job.payload:
            raise RetryLater(job.payload["retry_in_s"], f"attempt {job.attempt} failed")
        raise RuntimeError(f"attempt {job.attempt} failed")
    return {"attempt": job.attempt}


# ---- command line ----

def load_module(path):
    """Imports a file whose @task functions register themselves."""
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.modules.setdefault("python_worker", sys.modules[__name__])
    spec.loader.exec_module(module)


def split(text):
    return [s for s in (text or "").split(",") if s]


def main(argv=None):
    p = argparse.ArgumentParser(description="A Conveyor worker for jobs of any type, in Python.")
    p.add_argument("--url", default=os.environ.get("CONVEYOR_URL", "http://127.0.0.1:8000"))
    p.add_argument("--queues", default="", help="comma-separated queues (default: all)")
    p.add_argument("--types", default="", help="comma-separated types (default: every task)")
    p.add_argument("--concurrency", type=int, default=4, help="jobs run at once (threads)")
    p.add_argument("--batch", type=int, default=10, help="jobs leased per request, at most")
    p.add_argument("--lease-s", type=float, default=30.0, help="lease length; renewed by heartbeats")
    p.add_argument("--wait-s", type=float, default=20.0, help="long-poll time per lease request")
    p.add_argument("--grace-s", type=float, default=30.0, help="time to finish leased jobs on SIGTERM")
    p.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}")
    p.add_argument("--module", action="append", default=[], help="a .py file defining @task functions")
    p.add_argument("--quiet", action="store_true", help="log only problems")
    args = p.parse_args(argv)
    for path in args.module:
        load_module(path)
    log = (lambda *_: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    worker = Worker(Client(args.url), TASKS, args.worker_id, queues=split(args.queues),
                    types=split(args.types), concurrency=max(1, args.concurrency),
                    batch=max(1, min(100, args.batch)), lease_s=args.lease_s,
                    wait_s=max(0.0, min(60.0, args.wait_s)), grace_s=args.grace_s, log=log)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
