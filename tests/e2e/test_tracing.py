"""W3C trace context on jobs (issue 13, "Tracing"), on the real `conveyor serve`.

A submit's `traceparent` header is kept on the job (GET shows its `trace_id`) and passed on, with
the job's trace-id and a new parent-id per call, to the job's webhook, to the target of an
`http.request` job (over any traceparent the payload names) and to an external worker in its
lease; every transition line of the job's log carries `trace_id`. An invalid traceparent is
ignored and the job starts a fresh trace; a job submitted without one gets a fresh trace too.
The same tests run on SQLite and on a throwaway PostgreSQL (its insert and lease paths differ).
"""

import json
import re
import unittest

from conveyor_harness import Server, ServerTestCase
from webhook_receiver import ReceiverMixin

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
VERSION_00 = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
EXTERNAL = "e2e.traced"


def parse(traceparent):
    """(trace_id, parent_id, flags) of a version-00 traceparent; fails the test otherwise."""
    m = VERSION_00.match(traceparent or "")
    assert m, f"not a version-00 traceparent: {traceparent!r}"
    trace_id, parent_id, flags = m.groups()
    assert trace_id != "0" * 32 and parent_id != "0" * 16, traceparent
    return trace_id, parent_id, flags


class TracingTest(ReceiverMixin, ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=["--external-types", EXTERNAL],
                       env={"WEBHOOK_RETRY_BACKOFF_BASE": "0.05"})

    def url(self, path):
        return f"http://127.0.0.1:{self.rx.port}{path}"

    def received_at(self, path):
        with self.rx.state.lock:
            return [e for e in self.rx.state.log if e["path"] == path]

    def traced_submit(self, spec, traceparent=TRACEPARENT, tracestate=None):
        headers = {"traceparent": traceparent}
        if tracestate:
            headers["tracestate"] = tracestate
        r = self.server.submit(spec, headers)
        job = self.must_json(r, 201)
        return job, r.headers

    def test_submit_keeps_the_trace_and_answers_with_a_span_of_its_own(self):
        job, headers = self.traced_submit({"type": "noop", "payload": {}})
        self.assertEqual(job["trace_id"], TRACE_ID)
        trace_id, parent_id, flags = parse(headers.get("traceparent"))
        self.assertEqual((trace_id, flags), (TRACE_ID, "01"))
        self.assertNotEqual(parent_id, PARENT_ID)
        got = self.must_json(self.server.get_job(job["id"]), 200)
        self.assertEqual(got["trace_id"], TRACE_ID)

    def test_invalid_or_missing_traceparent_starts_a_fresh_trace(self):
        seen = set()
        for bad in ("00-" + "0" * 32 + f"-{PARENT_ID}-01", TRACEPARENT.upper(),
                    f"ff-{TRACE_ID}-{PARENT_ID}-01", "garbage", None):
            headers = {"traceparent": bad} if bad else {}
            r = self.server.submit({"type": "noop", "payload": {}}, headers)
            job = self.must_json(r, 201)
            self.assertRegex(job["trace_id"], r"^[0-9a-f]{32}$", bad)
            self.assertNotIn(job["trace_id"], (TRACE_ID, "0" * 32), bad)
            self.assertEqual(job["trace_id"], job["id"].replace("-", ""), "derived from the id")
            self.assertEqual(parse(r.headers.get("traceparent"))[0], job["trace_id"], bad)
            seen.add(job["trace_id"])
        self.assertEqual(len(seen), 5, "each request starts its own trace")

    def test_every_job_of_a_batch_joins_the_requests_trace(self):
        r = self.server.request("POST", "/api/v1/jobs/batch",
                                {"jobs": [{"type": "noop", "payload": {}}] * 3},
                                headers={"traceparent": TRACEPARENT})
        jobs = self.must_json(r, 201)["jobs"]
        self.assertEqual([j["trace_id"] for j in jobs], [TRACE_ID] * 3)
        self.assertEqual(parse(r.headers.get("traceparent"))[0], TRACE_ID)

    def test_webhook_carries_the_trace_with_a_new_parent_on_every_attempt(self):
        path = "/flaky/e2e-trace/1"
        job, _ = self.traced_submit({"type": "noop", "payload": {}, "webhook_url": self.url(path)},
                                    tracestate=TRACESTATE)
        self.server.wait_for(job["id"], "SUCCEEDED")
        got = self.server.wait_until(lambda: (lambda g: g if len(g) >= 2 else None)(
            self.received_at(path)), 20, "the webhook's two attempts")
        parents = set()
        for attempt in got:
            trace_id, parent_id, _ = parse(attempt["headers"].get("traceparent"))
            self.assertEqual(trace_id, TRACE_ID)
            self.assertNotEqual(parent_id, PARENT_ID)
            self.assertEqual(attempt["headers"].get("tracestate"), TRACESTATE)
            parents.add(parent_id)
        self.assertEqual(len(parents), len(got), "each attempt is its own span")

    def test_http_request_job_sends_its_trace_over_the_payloads(self):
        path = "/ok"
        theirs = f"00-{'1' * 32}-{'2' * 16}-01"
        job, _ = self.traced_submit({"type": "http.request", "payload": {
            "url": self.url(path), "method": "POST", "body": {"x": 1},
            "headers": {"TraceParent": theirs, "X-Kept": "yes"}}})
        self.server.wait_for(job["id"], "SUCCEEDED")
        [got] = [g for g in self.received_at(path) if g["headers"].get("x-kept") == "yes"]
        trace_id, parent_id, _ = parse(got["headers"].get("traceparent"))
        self.assertEqual(trace_id, TRACE_ID)
        self.assertNotIn(parent_id, (PARENT_ID, "2" * 16))

    def test_a_leased_job_carries_the_trace_to_the_external_worker(self):
        job, _ = self.traced_submit({"type": EXTERNAL, "payload": {}})
        body = {"worker_id": "e2e-trace", "types": [EXTERNAL], "max": 1, "wait_s": 2}
        [leased] = self.must_json(self.server.request("POST", "/api/v1/leases", body), 200)["jobs"]
        self.assertEqual(leased["id"], job["id"])
        trace_id, parent_id, _ = parse(leased["traceparent"])
        self.assertEqual(trace_id, TRACE_ID)
        self.assertNotEqual(parent_id, PARENT_ID)
        done = {"lease_token": leased["lease_token"], "result": {}}
        self.must_status(self.server.request("POST", f"/api/v1/jobs/{job['id']}/complete", done),
                         200, 204)

    def test_every_transition_line_of_the_job_carries_its_trace_id(self):
        job, _ = self.traced_submit({"type": "noop", "payload": {}})
        self.server.wait_for(job["id"], "SUCCEEDED")

        def lines():
            with open(self.server.log_path, encoding="utf-8", errors="replace") as f:
                found = [json.loads(line) for line in f if line.startswith("{")]
            mine = [e for e in found if e.get("job_id") == job["id"]
                    and e.get("event", "").startswith("job.")]
            return mine if len(mine) >= 3 else None
        got = self.server.wait_until(lines, 15, "the job's transition lines")
        self.assertEqual([e["trace_id"] for e in got], [TRACE_ID] * len(got), got)


class TracingOnPostgresTest(TracingTest):
    SERVER_ARGS = None  # the server needs the database first

    @classmethod
    def setUpClass(cls):
        import pg_server  # only the PostgreSQL tests need it
        cls.pg = pg_server.PgServer().start()
        super().setUpClass()
        cls.server = Server(store=cls.pg.create_database("tracing"), **TracingTest.SERVER_ARGS)
        cls._class_servers.append(cls.server)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pg.destroy()


if __name__ == "__main__":
    unittest.main()
