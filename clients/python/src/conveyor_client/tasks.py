"""What a task sees and raises: TaskContext (the leased job, progress, cancel), the outcome
exceptions (Cancelled, RetryLater, PermanentError) and the default registry of @task functions.
conveyor_client.worker re-exports all of these; import them from there."""

import threading

TASKS = {}  # the default registry: the module-level @task and the command line use it


def task(type_name):
    """Registers the decorated function in the default registry (TASKS) for `type_name`."""
    def register(fn):
        TASKS[type_name] = fn
        return fn
    return register


class Cancelled(Exception):
    """Raise when job.cancelled turned true: the job ends CANCELLED (or, after its timeout,
    the attempt fails as timed out)."""


class RetryLater(Exception):
    """Fail this attempt and retry in `seconds` (instead of the job's backoff)."""

    def __init__(self, seconds, message="retry requested by the task"):
        super().__init__(message)
        self.seconds = seconds


class PermanentError(Exception):
    """Fail the job for good: no more attempts."""


class TaskContext:
    """A leased job as its task sees it: id, type, queue, payload, attempt, max_attempts,
    timeout_s, correlation_id, traceparent (W3C: pass it on in the task's own calls); progress() to
    report; cancelled / wait_cancelled() to stop early.
    Thread-safety: progress() and the properties may be called from any thread."""

    def __init__(self, data):
        self.id = data["id"]
        self.type = data["type"]
        self.queue = data.get("queue")
        self.payload = data.get("payload")
        self.attempt = data.get("attempt")
        self.max_attempts = data.get("max_attempts")
        self.timeout_s = data.get("timeout_s")
        self.correlation_id = data.get("correlation_id")
        self.traceparent = data.get("traceparent")
        self._token = data["lease_token"]
        self._lock = threading.Lock()
        self._progress = self._message = None
        self._cancel = threading.Event()
        self._started = None
        self._settled = False  # the outcome was reported (or the job released): no second one
        self.lost = False  # the lease expired or moved on: nothing this job does will count
        self.timed_out = False

    def progress(self, percent, message=None):
        """Records progress (0-100, fractions allowed); the next heartbeat carries it."""
        with self._lock:
            self._progress = max(0.0, min(100.0, float(percent)))
            self._message = None if message is None else str(message)[:1024]

    @property
    def cancelled(self):
        """True once a cancel was requested, the timeout passed or the lease was lost."""
        return self._cancel.is_set()

    def wait_cancelled(self, seconds):
        """Sleeps up to `seconds`; returns True early when the job gets cancelled."""
        return self._cancel.wait(seconds)

    def _heartbeat_body(self, lease_s):
        with self._lock:
            body = {"lease_token": self._token, "lease_s": lease_s}
            if self._progress is not None:
                # Whole numbers as integers: the API takes 0-100 (fractions where supported).
                p = self._progress
                body["progress"] = int(p) if p == int(p) else p
            if self._message is not None:
                body["message"] = self._message
            return body

    def _settle(self):
        """True for the first caller only: whoever settles the job reports its outcome."""
        with self._lock:
            if self._settled:
                return False
            self._settled = True
            return True
