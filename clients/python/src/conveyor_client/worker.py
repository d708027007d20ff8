"""Worker: runs Python functions as Conveyor job types (an external worker over HTTP).

    from conveyor_client.worker import Worker, RetryLater

    worker = Worker("http://127.0.0.1:8000", concurrency=8)

    @worker.task("images.resize")
    def resize(job):                    # job: a TaskContext
        job.progress(50, "resizing")    # sent with the next heartbeat
        return {"path": make_thumbnail(job.payload["path"])}   # any JSON value: the result

    worker.run()                        # until SIGTERM / SIGINT (or worker.stop())

The protocol is docs/api.md, "Worker routes": the worker leases jobs (POST /leases, a long
poll, at most as many as it has free threads), heartbeats each running job every third of the
lease (carrying progress, bringing back cancel requests), and reports successes in batches
(POST /completions) and failures one by one (POST /jobs/{id}/fail).

Outcomes: a returned value completes the job. RetryLater(seconds) fails the attempt and retries
after that delay; PermanentError fails the job for good; Cancelled (raise it when job.cancelled)
ends it CANCELLED when a cancel was requested; any other exception fails the attempt and the
job's own retry policy (max_attempts, backoff) decides. A task running past the job's timeout_s
sees job.cancelled turn true; if it then raises, the attempt fails as timed out.

Stopping (stop(), SIGTERM, SIGINT): no new leases (a long poll in flight ends within wait_s and
its jobs still run); running jobs have grace_s to finish; those still running then are
released (failed as retryable, due at once) so another worker takes them, and their late
outcomes are dropped. Threads: one leaser (the caller of run()), `concurrency` runners, one
heartbeater, one completer. A Worker runs once.
"""

import json
import logging
import os
import queue
import signal
import socket
import threading
import time

from ._http import Transport
from .errors import Conflict, ConveyorError, InvalidRequest, NotFound
from .tasks import TASKS, Cancelled, PermanentError, RetryLater, TaskContext, task

__all__ = ["Worker", "TaskContext", "Cancelled", "RetryLater", "PermanentError", "task", "TASKS"]

log = logging.getLogger("conveyor_client.worker")

class Worker:
    """Leases and runs jobs of the types it has tasks for. See the module docstring.

    url, api_key: the server. tasks: {type: function}, more with @worker.task(type).
    types: lease only these (default: every registered task's type). queues: default all.
    concurrency: threads running tasks. batch: most jobs per lease request.
    lease_s: lease length, renewed by heartbeats. wait_s: long-poll time (0-60).
    grace_s: time running jobs get to finish after stop().
    """

    def __init__(self, url, *, api_key=None, tasks=None, worker_id=None, queues=(), types=(),
                 concurrency=4, batch=10, lease_s=30.0, wait_s=20.0, grace_s=30.0,
                 timeout=30.0):
        if concurrency < 1 or not 1 <= batch <= 100 or not 0 <= wait_s <= 60:
            raise ValueError("need concurrency >= 1, batch 1-100 and wait_s 0-60")
        self._http = Transport(url, api_key=api_key, timeout=timeout)
        self.tasks = dict(tasks or {})
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self.queues, self.types = list(queues), list(types)
        self.concurrency, self.batch = concurrency, batch
        self.lease_s, self.wait_s, self.grace_s = lease_s, wait_s, grace_s
        self.completed = self.failed = self.released = 0
        self._stopping = threading.Event()
        self._ready = queue.Queue()
        self._done = queue.Queue()  # (ctx, result) for the next POST /completions
        self._running = {}  # job id -> TaskContext: leased, outcome not yet reported
        self._running_lock = threading.Lock()
        self._free = threading.Semaphore(concurrency)
        self._whole_progress = False  # set when the server refused a fractional progress
        self._count_lock = threading.Lock()

    def task(self, type_name):
        """Decorator: runs the function for jobs of `type_name`."""
        def register(fn):
            self.tasks[type_name] = fn
            return fn
        return register

    def stop(self, *_signal_args):
        """Stops leasing; run() then finishes or releases the running jobs and returns.
        Safe from a signal handler or any thread, and more than once."""
        self._stopping.set()

    @property
    def stopping(self):
        return self._stopping.is_set()

    # ---- lifecycle ----

    def run(self, install_signal_handlers=True):
        """Works until stop() (or SIGTERM/SIGINT when called on the main thread)."""
        types = self.types or sorted(self.tasks)
        if not types:
            raise ValueError("no task registered: decorate a function with @worker.task(type)")
        restore = self._install_signals() if install_signal_handlers else {}
        loops = [self._run_loop] * self.concurrency + [self._heartbeat_loop, self._complete_loop]
        threads = [threading.Thread(target=self._closing(loop), daemon=True,
                                    name=f"conveyor-worker-{i}") for i, loop in enumerate(loops)]
        for t in threads:
            t.start()
        log.info("worker %s: types %s, concurrency %d, lease %ss", self.worker_id, types,
                 self.concurrency, self.lease_s)
        try:
            self._lease_loop(types)
            self._drain()
        finally:
            for _ in range(self.concurrency):
                self._ready.put(None)
            self._done.put(None)
            for sig, handler in restore.items():
                signal.signal(sig, handler)
            self._http.close()
        log.info("worker %s stopped: %d completed, %d failed, %d released", self.worker_id,
                 self.completed, self.failed, self.released)

    def _closing(self, loop):
        """`loop`, then closes the thread's connection (each thread has its own)."""
        def run():
            try:
                loop()
            finally:
                self._http.close()
        return run

    def _install_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _drain(self):
        """After stop: running jobs get grace_s, then the rest are released."""
        deadline = time.monotonic() + self.grace_s
        while not self._idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        for ctx in self._snapshot():
            if ctx._settle():
                ctx.lost = True
                ctx._cancel.set()
                self._fail(ctx, f"worker {self.worker_id} stopped before the task finished "
                                f"(grace of {self.grace_s} s over)", True, 0, released=True)
                self._forget(ctx)
        # Completions already queued are sent before run() returns.
        deadline = time.monotonic() + 30
        while not self._idle() and time.monotonic() < deadline:
            time.sleep(0.05)

    # ---- leasing ----

    def _lease_loop(self, types):
        while not self._stopping.is_set():
            if not self._free.acquire(timeout=0.5):
                continue
            n = 1  # one free thread is ours; take the other free ones too, up to batch
            while n < self.batch and self._free.acquire(blocking=False):
                n += 1
            jobs = self._lease(n, types)
            for _ in range(n - len(jobs)):
                self._free.release()
            for data in jobs:
                ctx = TaskContext(data)
                with self._running_lock:
                    self._running[ctx.id] = ctx
                self._ready.put(ctx)

    def _lease(self, n, types):
        body = {"worker_id": self.worker_id, "max": n, "wait_s": self.wait_s,
                "lease_s": self.lease_s, "types": types}
        if self.queues:
            body["queues"] = self.queues
        try:
            # The HTTP timeout outlasts the long poll: a lease granted to a request nobody
            # reads any more would hold its job until the lease expires (and cost an attempt).
            return self._http.request("POST", "/leases", body, timeout=self.wait_s + 30)["jobs"]
        except ConveyorError as e:
            log.warning("lease failed: %s; retrying in 1 s", e)
            self._stopping.wait(1)
            return []

    # ---- running ----

    def _run_loop(self):
        while True:
            ctx = self._ready.get()
            if ctx is None:
                return
            try:
                self._run_one(ctx)
            finally:
                self._free.release()

    def _run_one(self, ctx):
        fn = self.tasks.get(ctx.type)
        ctx._started = time.monotonic()
        try:
            if fn is None:
                raise PermanentError(f"this worker has no task for type {ctx.type!r}")
            result = fn(ctx)
        except Exception as e:  # noqa: BLE001 - a task's failure is the job's, not ours
            self._settle_failure(ctx, e)
            return
        try:
            json.dumps(result)  # a result that is not JSON fails this job, not the batch
        except (TypeError, ValueError) as e:
            self._settle_failure(ctx, PermanentError(f"the task's result is not JSON: {e}"))
            return
        if ctx._settle():
            self._done.put((ctx, result))

    def _settle_failure(self, ctx, e):
        if not ctx._settle():
            return  # released at the end of the grace time: this outcome no longer counts
        if isinstance(e, Cancelled) and ctx.timed_out:
            self._fail(ctx, f"timed out after {ctx.timeout_s} s", True)
        elif isinstance(e, Cancelled):
            self._fail(ctx, str(e) or "cancelled by request", False)
        elif isinstance(e, RetryLater):
            self._fail(ctx, str(e), True, e.seconds)
        elif isinstance(e, PermanentError):
            self._fail(ctx, str(e) or type(e).__name__, False)
        else:
            log.exception("job %s (%s) failed", ctx.id, ctx.type)
            self._fail(ctx, f"{type(e).__name__}: {e}", True)
        self._forget(ctx)

    # ---- reporting ----

    def _complete_loop(self):
        """Sends finished jobs in one POST /completions (one store transaction): whatever
        finished while the previous request was in flight goes in the next one."""
        while True:
            item = self._done.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < 1000:
                try:
                    item = self._done.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._done.put(None)
                    break
                batch.append(item)
            self._complete(batch)
            for ctx, _ in batch:
                self._forget(ctx)

    def _complete(self, batch):
        body = {"completions": [{"id": c.id, "lease_token": c._token, "result": r}
                                for c, r in batch]}
        answer = self._with_retries("POST", "/completions", body, f"{len(batch)} completions")
        for outcome in (answer or {}).get("results", []):
            if outcome["status"] == 200:
                self._count("completed")
            else:
                log.warning("complete of job %s: %s %s", outcome["id"], outcome["status"],
                            outcome.get("detail", ""))

    def _fail(self, ctx, error, retryable, retry_in_s=None, released=False):
        body = {"lease_token": ctx._token, "error": error[:8192], "retryable": retryable}
        if retry_in_s is not None:
            body["retry_in_s"] = retry_in_s
        if self._with_retries("POST", f"/jobs/{ctx.id}/fail", body, f"fail of job {ctx.id}"):
            self._count("released" if released else "failed")

    def _with_retries(self, method, path, body, what):
        """Up to 5 tries on network errors and 503s; a 404/409 (the lease is gone) or another
        error answer is logged and dropped: the job's lease expires and it runs again."""
        for attempt in range(5):
            try:
                return self._http.request(method, path, body)
            except (NotFound, Conflict) as e:
                log.warning("%s: lease lost, outcome dropped (%s)", what, e.detail)
                return None
            except ConveyorError as e:
                if e.status not in (None, 503):
                    log.warning("%s answered %s", what, e)
                    return None
                log.warning("%s failed (%s); retrying", what, e)
                time.sleep(0.2 * (attempt + 1))
        log.error("giving up on %s; the lease will expire and the job run again", what)
        return None

    # ---- heartbeats ----

    def _heartbeat_loop(self):
        every = max(0.2, min(self.lease_s / 3.0, 10.0))
        while True:
            time.sleep(every)
            if self._stopping.is_set() and self._idle():
                return
            for ctx in self._snapshot():
                self._check_timeout(ctx)
                self._heartbeat(ctx)

    def _check_timeout(self, ctx):
        if ctx._started and ctx.timeout_s and \
                time.monotonic() - ctx._started > ctx.timeout_s and not ctx.timed_out:
            ctx.timed_out = True
            ctx._cancel.set()

    def _heartbeat(self, ctx):
        body = ctx._heartbeat_body(self.lease_s)
        if self._whole_progress and "progress" in body:
            body["progress"] = int(round(body["progress"]))
        try:
            answer = self._http.request("POST", f"/jobs/{ctx.id}/heartbeat", body)
        except (NotFound, Conflict):
            ctx.lost = True
            ctx._cancel.set()  # nothing it does will count: let it stop early
            return
        except InvalidRequest as e:
            if isinstance(body.get("progress"), float) and not self._whole_progress:
                # A server that takes whole percentages only: round from now on, and renew
                # the lease at once rather than let it run out.
                self._whole_progress = True
                return self._heartbeat(ctx)
            log.warning("heartbeat of job %s refused: %s", ctx.id, e)
            return
        except ConveyorError as e:
            log.warning("heartbeat of job %s failed: %s", ctx.id, e)
            return
        if answer.get("cancel_requested"):
            ctx._cancel.set()

    # ---- bookkeeping ----

    def _count(self, name):
        with self._count_lock:  # runner threads report failures concurrently
            setattr(self, name, getattr(self, name) + 1)

    def _snapshot(self):
        with self._running_lock:
            return list(self._running.values())

    def _forget(self, ctx):
        with self._running_lock:
            self._running.pop(ctx.id, None)

    def _idle(self):
        with self._running_lock:
            return not self._running
