"""Client: submit, read, wait for, list, cancel and retry Conveyor jobs over HTTP.

    from conveyor_client import Client
    c = Client("http://127.0.0.1:8000")
    job = c.submit("square_sum", {"data": [1, 2, 3]}, priority=3)
    done = c.wait(job.id, timeout=60, on_progress=lambda j: print(j.progress, j.message))
    print(done.status, done.result)            # SUCCEEDED 14

Routes and fields: docs/api.md. Failures raise the ConveyorError subclasses of errors.py.
Thread-safety: a Client may be shared by threads (one keep-alive connection per thread).
"""

import datetime
import time
import urllib.parse

from ._http import Transport
from .errors import ConnectionFailed, ConveyorError, Unavailable, WaitTimeout
from .job import Job

# The optional body fields of a canonical submit (docs/api.md, "POST /jobs"). Anything else
# is refused here: the server ignores unknown fields, and a misspelt option silently ignored
# is worse than a TypeError.
SUBMIT_OPTIONS = frozenset({
    "queue", "priority", "max_attempts", "run_at", "expires_at", "timeout_s",
    "idempotency_key", "correlation_id", "webhook_url", "tags", "depends_on"})

# How long Client.wait rides out a server that answers 503 or not at all (a restart).
WAIT_OUTAGE_S = 30.0


class Client:
    """A Conveyor server at `url` (its root: http://host:8000, the /api/v1 prefix is added).

    api_key: sent as `Authorization: Bearer <key>` on every request when given.
    timeout: seconds per HTTP request (connect and each read).
    """

    def __init__(self, url, api_key=None, timeout=30):
        self._http = Transport(url, api_key=api_key, timeout=timeout)

    def close(self):
        """Closes the calling thread's connection."""
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- submit ----

    def submit(self, type, payload=None, **options):
        """Submits one job of `type` with `payload` (a JSON object; default {}).

        options: queue, priority (1 runs first … 10), max_attempts, run_at and expires_at
        (datetime or RFC 3339 string; a naive datetime is taken as UTC), timeout_s,
        idempotency_key, correlation_id, webhook_url, tags, depends_on.
        Returns the Job; job.is_new is False when an idempotency key replayed an earlier one.
        """
        unknown = set(options) - SUBMIT_OPTIONS
        if unknown:
            raise TypeError(f"submit() got unknown options {sorted(unknown)}; "
                            f"known: {sorted(SUBMIT_OPTIONS)}")
        spec = {"type": type, "payload": {} if payload is None else payload}
        spec.update({k: _wire(v) for k, v in options.items() if v is not None})
        return Job.from_json(self._http.request("POST", "/jobs", spec))

    def submit_batch(self, specs):
        """Submits 1 to 1000 jobs in one transaction (all or none): each spec a dict in any
        shape the server accepts ({"type": ..., "payload": ...} and the options of submit).
        Returns the Jobs in request order."""
        specs = [{k: _wire(v) for k, v in dict(s).items()} for s in specs]
        answer = self._http.request("POST", "/jobs/batch", {"jobs": specs})
        return [Job.from_json(j) for j in answer["jobs"]]

    # ---- read ----

    def get(self, job_id):
        """The job, with payload and result."""
        return Job.from_json(self._http.request("GET", f"/jobs/{_id(job_id)}"))

    def status(self, job_id):
        """The job's status fields only (GET /jobs/{id}/status: no payload, no result)."""
        return Job.from_json(self._http.request("GET", f"/jobs/{_id(job_id)}/status"))

    def events(self, job_id):
        """The job's audit trail, oldest first: dicts with at, from, to, attempt, message."""
        return self._http.request("GET", f"/jobs/{_id(job_id)}/events")["events"]

    def wait(self, job_id, timeout=None, poll_interval=0.2, on_progress=None):
        """Polls until the job is terminal (SUCCEEDED, FAILED, CANCELLED, EXPIRED) and returns
        it in full. A failed job is returned, not raised: check job.status.

        on_progress(job) is called with the status fields (status, progress, message,
        current_step, attempt) each time one of them changes, the first poll included.
        timeout: seconds (None: no limit); WaitTimeout carries the last state seen.
        An outage (503, or no answer: a server restarting) is ridden out for up to
        WAIT_OUTAGE_S seconds in a row, within the timeout; then its error is raised.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = current = outage_since = None
        while True:
            try:
                current = self.status(job_id)
                outage_since = None
            except (Unavailable, ConnectionFailed) as e:
                outage_since = outage_since or time.monotonic()
                if time.monotonic() - outage_since > WAIT_OUTAGE_S or _past(deadline):
                    raise
                time.sleep(max(poll_interval, min(e.retry_after or 0.5, 5.0)))
                continue
            key = (current.status, current.progress, current.message, current.current_step,
                   current.attempt)
            if on_progress is not None and key != seen:
                on_progress(current)
            seen = key
            if current.done:
                return self.get(job_id)
            if _past(deadline):
                raise WaitTimeout(f"job {job_id} still {current.status} after {timeout} s",
                                  current)
            left = None if deadline is None else deadline - time.monotonic()
            time.sleep(poll_interval if left is None else min(poll_interval, left))

    def list(self, status=None, type=None, queue=None, page_size=100):
        """Iterates over every matching job, newest first, fetching pages of `page_size`
        (1–1000) as it goes and following next_cursor to the last page. `status` accepts any
        dialect's name (SUCCEEDED, success, completed, queued, ...)."""
        query = {"status": status, "type": type, "queue": queue, "limit": page_size}
        cursors = set()
        while True:
            page = self._http.request("GET", "/jobs", query=query)
            for item in page["jobs"]:
                yield Job.from_json(item)
            cursor = page.get("next_cursor")
            if not cursor:
                return
            if cursor in cursors:  # a server bug must not become an endless loop
                raise ConveyorError(None, None, f"GET /jobs returned next_cursor {cursor} twice")
            cursors.add(cursor)
            query["cursor"] = cursor

    # ---- act ----

    def cancel(self, job_id):
        """Cancels a waiting job at once; a running one gets cancel_requested and ends
        CANCELLED when its handler stops. Conflict when the job is already terminal."""
        return Job.from_json(self._http.request("DELETE", f"/jobs/{_id(job_id)}"))

    def retry(self, job_id):
        """Puts a FAILED, CANCELLED or EXPIRED job back to PENDING with a fresh budget.
        Conflict in any other state."""
        return Job.from_json(self._http.request("POST", f"/jobs/{_id(job_id)}/retry"))


def _past(deadline):
    return deadline is not None and time.monotonic() >= deadline


def _id(job_id):
    """A job id (or Job) made safe for a path; the server says 400 if it is not a UUID."""
    if isinstance(job_id, Job):
        job_id = job_id.id
    return urllib.parse.quote(str(job_id), safe="")


def _wire(value):
    """Datetimes as RFC 3339 (naive ones are UTC, as the server reads them)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="milliseconds") + "Z"
    return value
