"""What a chaos round must prove, checked over HTTP against the API node and the counting receiver.

For every acknowledged job: it exists; it reached SUCCEEDED (none lost) within the bound; its
events record each attempt's RUNNING and exactly one SUCCEEDED; the handler's side effect was seen
at least once and never more often than the job was run (RUNNING events); more than once only in
a round whose fault can interrupt a run (kill -9, SIGSTOP, store outage, clock step) — otherwise
the duplicate is unexplained; every RUNNING is an attempt or was released unstarted; its webhook
was delivered whole at least once.
RunningSampler: no job stays RUNNING on one attempt longer than lease + one rescue interval (plus
slack) after the fault is healed.
"""

import http.client
import json
import threading
import time

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED")


def get_json(port, path, timeout=10):
    """(status, body) or (None, None) when the node does not answer."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None, None
    try:
        return resp.status, json.loads(raw) if raw else None
    except ValueError:
        return resp.status, None


class RunningSampler:
    """Polls the RUNNING jobs; a (job, attempt) seen RUNNING for longer than `bound_s` counted
    from max(first seen, healed_at) is stuck."""

    def __init__(self, port, bound_s):
        self.port = port
        self.bound_s = bound_s
        self.healed_at = None  # monotonic; None while the fault is on
        self.first_seen = {}
        self.stuck = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.5):
            status, body = get_json(self.port, "/api/v1/jobs?status=RUNNING&limit=500", 5)
            if status != 200 or not isinstance(body, dict):
                continue  # the API or the store is down: the bound counts from the heal
            now = time.monotonic()
            for job in body.get("jobs", []):
                key = (job["id"], job.get("attempt"))
                first = self.first_seen.setdefault(key, now)
                if self.healed_at is not None and now - max(first, self.healed_at) > self.bound_s:
                    self.stuck.add(key)

    def stop(self):
        self._stop.set()
        self._thread.join(10)


def wait_terminal(port, ids, deadline):
    """Polls each job until terminal or the deadline; returns id -> last job body (or None)."""
    last = {}
    pending = list(ids)
    while pending and time.monotonic() < deadline:
        still = []
        for job_id in pending:
            status, body = get_json(port, "/api/v1/jobs/" + job_id)
            last[job_id] = body if status == 200 else last.get(job_id)
            if status == 404:
                last[job_id] = None
            if status != 200 or body.get("status") not in TERMINAL:
                still.append(job_id)
        pending = still
        if pending:
            time.sleep(0.3)
    return last


def check_round(port, load, receiver, reruns_possible, deadline):
    """Counts for the summary table and a list of failures (empty: the round passed)."""
    acked = dict(load.acked)
    started = time.monotonic()
    jobs = wait_terminal(port, list(acked.values()), deadline)
    terminal_s = time.monotonic() - started
    r = {"acked": len(acked), "lost": 0, "dup_explained": 0, "dup_unexplained": 0,
         "undelivered": 0, "rerun": 0}
    failures = []
    for token, job_id in acked.items():
        job = jobs.get(job_id)
        if job is None or job.get("status") != "SUCCEEDED":
            r["lost"] += 1
            failures.append("job %s: %s" % (job_id, "missing" if job is None else
                                             "status %s" % job.get("status")))
            continue
        failures += _check_events(port, job_id, job, token, receiver, reruns_possible, r)
    for token in acked:
        while receiver.snapshot("deliveries", token) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        if receiver.snapshot("deliveries", token) < 1:
            r["undelivered"] += 1
            failures.append("job %s: its webhook was never delivered whole" % acked[token])
    r["phases"] = "terminal %.1f s, delivered %.1f s" % (terminal_s, time.monotonic() - started)
    return r, failures


def _check_events(port, job_id, job, token, receiver, reruns_possible, r):
    status, body = get_json(port, "/api/v1/jobs/%s/events" % job_id)
    if status != 200 or not isinstance(body, dict):
        return ["job %s: events answered %s" % (job_id, status)]
    events = body.get("events", [])
    tos = [e.get("to") for e in events]
    trail = ["%s>%s@%s" % (e.get("from"), e.get("to"), e.get("attempt")) for e in events]
    runs = tos.count("RUNNING")
    # A claimed job released unstarted (RUNNING → PENDING, attempt - 1) costs no attempt.
    released = sum(1 for e in events if e.get("from") == "RUNNING" and e.get("to") == "PENDING")
    hits = receiver.snapshot("hits", token)
    r["rerun"] += runs - released > 1
    out = []
    if tos.count("SUCCEEDED") != 1:
        out.append("job %s: SUCCEEDED %d times in its events: %s" % (
            job_id, tos.count("SUCCEEDED"), trail))
    if runs < 1 or job.get("attempt", 0) + released < runs:
        out.append("job %s: attempt %s but %d RUNNING events: %s" % (job_id, job.get("attempt"),
                                                                     runs, trail))
    if hits < 1:
        out.append("job %s: SUCCEEDED but its handler's side effect was never seen" % job_id)
    if hits > 1:
        explained = reruns_possible and hits <= runs
        r["dup_explained" if explained else "dup_unexplained"] += 1
        if not explained:
            out.append("job %s: side effect seen %d times over %d runs: %s" % (job_id, hits, runs,
                                                                              trail))
    return out
