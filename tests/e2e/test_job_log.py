"""Job transitions in the server log (issue 13, "What users see"), on the real `conveyor serve`.

At the default level every transition a job makes is one JSON line (docs/operations.md, "Logs"):
submitted, started, retrying, succeeded, failed, cancelled, expired, with ts, level, event, node,
job_id, type, queue, attempt, correlation_id, trace_id, wait_s / duration_s, and the error of a
failed attempt. `--log-level warn` shows none of them; `--access-log` adds one http.request line
per request, with the route pattern and never a secret.
"""

import datetime
import json
import unittest
import uuid

from conveyor_harness import ServerTestCase

NODE = "e2e-log-node"
RETRIES = ["--retry-base-ms", "20", "--retry-cap-ms", "50"]
# A declared external type no worker polls for: such a job can only wait (to cancel or expire).
UNSERVED = ["--external-types", "e2e.unserved"]


def rfc3339_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_text(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


def log_lines(server):
    """Every JSON line of the server's log, parsed (the harness's own notes are skipped)."""
    return [json.loads(line) for line in log_text(server).splitlines() if line.startswith("{")]


class JobLogChecks:
    """Helpers shared by the classes below."""

    def job_lines(self, server, job_id):
        return [e for e in log_lines(server) if e.get("job_id") == job_id
                and e.get("event", "").startswith("job.")]

    def wait_events(self, server, job_id, events):
        """The job's lines once their events are `events`, in that order."""
        def done():
            lines = self.job_lines(server, job_id)
            return lines if [e["event"] for e in lines] == events else None
        try:
            return server.wait_until(done, 15, f"log lines {events} of job {job_id}")
        except AssertionError:
            got = [e["event"] for e in self.job_lines(server, job_id)]
            self.fail(f"job {job_id}: expected the events {events}, the log has {got}")

    def check_common(self, lines, job, queue="default"):
        """Fields every line of `job` (as the API answered its submit) carries."""
        job_id, job_type = job["id"], job["type"]
        for e in lines:
            self.assertEqual(e["level"], "info", e)
            self.assertRegex(e["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(e["node"], NODE, e)
            self.assertEqual(e["job_id"], job_id, e)
            self.assertEqual(e["type"], job_type, e)
            self.assertEqual(e["queue"], queue, e)
            self.assertIsInstance(e["attempt"], int, e)
            # Given (X-Correlation-Id) or generated at submit: on every line of the job.
            self.assertEqual(e["correlation_id"], job["correlation_id"], e)
            # The W3C trace the job joined at submit (or a fresh one): on every line of the job.
            self.assertRegex(job["trace_id"], r"^[0-9a-f]{32}$")
            self.assertEqual(e["trace_id"], job["trace_id"], e)
            if e["event"] not in ("job.retrying", "job.failed"):
                self.assertNotIn("error", e)
        stamps = [e["ts"] for e in lines]
        self.assertEqual(stamps, sorted(stamps), "lines in the order of the transitions")


class JobLogTest(JobLogChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=2, extra=["--node-name", NODE] + RETRIES + UNSERVED)

    def test_succeeded_jobs_log_submitted_started_succeeded(self):
        s = self.server
        corr = f"corr-{uuid.uuid4().hex[:8]}"
        trace_id = uuid.uuid4().hex
        traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
        jobs = [self.must_submit(s, {"type": "noop", "payload": {}},
                                 headers={"X-Correlation-Id": corr, "traceparent": traceparent})
                for _ in range(3)]
        batch = self.must_json(s.request("POST", "/api/v1/jobs/batch", {"jobs": [
            {"type": "noop", "payload": {}, "queue": "e2e-log"}]}), 201, 200)
        for job in jobs:
            s.wait_for(job["id"], "SUCCEEDED")
            lines = self.wait_events(s, job["id"],
                                     ["job.submitted", "job.started", "job.succeeded"])
            self.assertEqual(job["correlation_id"], corr)
            self.assertEqual(job["trace_id"], trace_id)
            self.check_common(lines, job)
            self.assertEqual([e["attempt"] for e in lines], [0, 1, 1])
            self.assertIsInstance(lines[1]["wait_s"], (int, float))
            self.assertGreaterEqual(lines[1]["wait_s"], 0)
            self.assertIsInstance(lines[2]["duration_s"], (int, float))
            self.assertGreaterEqual(lines[2]["duration_s"], 0)
            self.assertNotIn("step", lines[2])
        batch_job = (batch["jobs"] if isinstance(batch, dict) else batch)[0]
        s.wait_for(batch_job["id"], "SUCCEEDED")
        lines = self.wait_events(s, batch_job["id"],
                                 ["job.submitted", "job.started", "job.succeeded"])
        self.check_common(lines, batch_job, queue="e2e-log")

    def test_failing_job_logs_each_retry_then_failed_and_a_user_retry(self):
        s = self.server
        job = self.must_submit(s, {"type": "fail", "max_attempts": 3,
                                   "payload": {"times": 100, "message": "boom password=hunter22"}})
        s.wait_for(job["id"], "FAILED", timeout=30)
        expected = ["job.submitted", "job.started", "job.retrying", "job.started",
                    "job.retrying", "job.started", "job.failed"]
        lines = self.wait_events(s, job["id"], expected)
        self.check_common(lines, job)
        self.assertEqual([e["attempt"] for e in lines], [0, 1, 1, 2, 2, 3, 3])
        for e in lines:
            if e["event"] in ("job.retrying", "job.failed"):
                self.assertIn("boom", e["error"])
                self.assertIsInstance(e["duration_s"], (int, float))
        self.assertNotIn("hunter22", log_text(s))
        # A client's retry of the dead-lettered job: job.retrying with attempt 0.
        self.must_json(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 200)
        lines = s.wait_until(
            lambda: (lambda ls: ls if len(ls) > len(expected) else None)(
                self.job_lines(s, job["id"])), 15, "the line of the user's retry")
        self.assertEqual(lines[len(expected)]["event"], "job.retrying")
        self.assertEqual(lines[len(expected)]["attempt"], 0)
        self.assertNotIn("error", lines[len(expected)])

    def test_cancelled_job_logs_submitted_then_cancelled(self):
        s = self.server
        job = self.must_submit(s, {"type": "e2e.unserved", "payload": {}})
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200, 202)
        s.wait_for(job["id"], "CANCELLED")
        lines = self.wait_events(s, job["id"], ["job.submitted", "job.cancelled"])
        self.check_common(lines, job)

    def test_running_job_cancelled_logs_cancelled_after_started(self):
        s = self.server
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30}})
        self.cancel_at_end(s, job["id"])
        s.wait_for(job["id"], "RUNNING", fail_on_other_terminal=False)
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200, 202)
        s.wait_for(job["id"], "CANCELLED")
        lines = self.wait_events(s, job["id"], ["job.submitted", "job.started", "job.cancelled"])
        self.check_common(lines, job)

    def test_expired_job_logs_submitted_then_expired(self):
        s = self.server
        job = self.must_submit(s, {"type": "e2e.unserved", "payload": {},
                                   "expires_at": rfc3339_in(0.5)})
        s.wait_for(job["id"], "EXPIRED", timeout=10)
        lines = self.wait_events(s, job["id"], ["job.submitted", "job.expired"])
        self.check_common(lines, job)

    def test_idempotent_replay_logs_nothing_more(self):
        s = self.server
        key = f"k-{uuid.uuid4().hex[:8]}"
        spec = {"type": "e2e.unserved", "payload": {}, "idempotency_key": key}
        first = self.must_submit(s, spec)
        again = self.must_json(s.submit(spec), 200, 201)
        self.assertEqual(again["id"], first["id"])
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{first['id']}"), 200, 202)
        self.wait_events(s, first["id"], ["job.submitted", "job.cancelled"])

    def test_no_access_log_by_default(self):
        s = self.server
        self.must_json(s.request("GET", "/api/v1/jobs?limit=1"), 200)
        self.assertEqual([e for e in log_lines(s) if e.get("event") == "http.request"], [])


class QuietLogTest(JobLogChecks, ServerTestCase):
    """--log-level warn: no job line at all, even after the writer has written everything."""

    SERVER_ARGS = dict(workers=1, extra=["--node-name", NODE, "--log-level", "warn"])

    def test_warn_level_shows_no_transition(self):
        s = self.server
        job = self.must_submit(s, {"type": "noop", "payload": {}})
        s.wait_for(job["id"], "SUCCEEDED")
        s.stop()  # a clean stop writes every queued line
        self.assertEqual(self.job_lines(s, job["id"]), [])
        self.assertEqual([e for e in log_lines(s) if e.get("level") == "info"], [])


class AccessLogTest(JobLogChecks, ServerTestCase):
    """--access-log: one http.request line per request; the route pattern, not the target."""

    SERVER_ARGS = dict(workers=1, extra=["--node-name", NODE, "--access-log", "--auth", "on"])

    def test_request_lines_name_the_route_and_hold_no_secret(self):
        s = self.server
        key = s.use_admin_key()
        key_id, secret = key.split("_")[1], key.split("_")[2]
        job = self.must_submit(s, {"type": "noop", "payload": {}},
                               headers={"X-Correlation-Id": "corr-access-1"})
        s.wait_for(job["id"], "SUCCEEDED")
        self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}?api_key=qs-secret-42",
                                 headers={"X-Correlation-Id": "corr-access-2"}), 200)
        # A wrong key: refused, and its text is not logged either.
        self.assertEqual(s.request("GET", "/api/v1/jobs?api_key=qs-secret-43",
                                   headers={"Authorization": "Bearer cvk_bad_wrong-secret-44",
                                            "X-Correlation-Id": "corr-access-3"}).status, 401)

        def line(corr):
            found = [e for e in log_lines(s) if e.get("event") == "http.request"
                     and e.get("correlation_id") == corr]
            return found[0] if found else None
        submit = s.wait_until(lambda: line("corr-access-1"), 10, "the submit's access line")
        get = s.wait_until(lambda: line("corr-access-2"), 10, "the GET's access line")
        refused = s.wait_until(lambda: line("corr-access-3"), 10, "the 401's access line")
        self.assertEqual((submit["method"], submit["route"], submit["status"]),
                         ("POST", "/jobs", 201))
        self.assertEqual((get["method"], get["route"], get["status"]), ("GET", "/jobs/{id}", 200))
        self.assertEqual(refused["status"], 401)
        self.assertNotIn("key_id", refused)
        for e in (submit, get):
            self.assertEqual(e["level"], "info")
            self.assertEqual(e["node"], NODE)
            self.assertEqual(e["key_id"], key_id)
            self.assertEqual(e["remote"], "127.0.0.1")
            self.assertIsInstance(e["duration_ms"], (int, float))
            self.assertIsInstance(e["bytes"], int)
            self.assertGreater(e["bytes"], 0)
        text = log_text(s)
        for leaked in (secret, "qs-secret-42", "qs-secret-43", "wrong-secret-44", job["id"] +
                       "?"):
            self.assertNotIn(leaked, text)


if __name__ == "__main__":
    unittest.main()
