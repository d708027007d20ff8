"""End-to-end tests of the HTTP API contract against the real `conveyor serve`.

Two shared servers: one with workers (jobs run) and one API-only (--workers 0, jobs stay put, so
lists, pagination, cancel of waiting jobs and idempotency are deterministic).
"""

import json
import re
import time
import unittest
import uuid

from conveyor_harness import (ALL_STATES, TERMINAL, ServerTestCase, is_uuid, scaled)

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
JOB_KEYS = ("id", "job_id", "type", "queue", "status", "priority", "attempt", "max_attempts",
            "payload", "progress", "message", "current_step", "result", "result_ref", "error",
            "idempotency_key", "correlation_id", "trace_id", "webhook_url", "tags", "depends_on",
            "run_at", "expires_at", "timeout_s", "cancel_requested", "created_at", "started_at",
            "finished_at", "updated_at")
STATUS_KEYS = ("id", "job_id", "status", "progress", "message", "current_step", "attempt",
               "max_attempts", "created_at", "updated_at", "started_at", "finished_at")
RESULT_KEYS = ("id", "job_id", "status", "result", "error", "result_ref", "finished_at")
PREFIXES = ("/api/v1", "")
RETRY_BASE_MS = 200
RETRY_CAP_MS = 2000


def parse_time(s):
    """RFC 3339 with ms and Z → seconds since the epoch (float)."""
    import calendar
    base, ms = s[:-1].split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + int(ms) / 1000.0


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ContractHelpers:
    def check_times(self, obj, keys):
        for k in keys:
            v = obj.get(k)
            if v is not None:
                self.assertRegex(v, TIME_RE, f"{k} must be RFC 3339 UTC with ms: {obj}")

    def check_full_job(self, job):
        self.must_job(job)
        for k in JOB_KEYS:
            self.assertIn(k, job, f"job JSON lacks {k!r}")
        self.check_times(job, ("run_at", "expires_at", "created_at", "started_at",
                               "finished_at", "updated_at"))
        self.assertIsInstance(job["tags"], list)
        self.assertIsInstance(job["depends_on"], list)
        self.assertIsInstance(job["cancel_requested"], bool)

    def list_all(self, server, query, page=1000):
        """Every job matching `query`, following next_cursor (bounded)."""
        out, cursor = [], None
        for _ in range(200):
            q = f"{query}&limit={page}" + (f"&cursor={cursor}" if cursor else "")
            body = self.must_json(server.request("GET", f"/api/v1/jobs?{q}"), 200)
            out.extend(body["jobs"])
            cursor = body["next_cursor"]
            if cursor is None:
                return out
        self.fail("next_cursor never became null")


class WorkersApiTest(ServerTestCase, ContractHelpers):
    """Routes and behaviour that need jobs to actually run."""

    SERVER_ARGS = dict(workers=2, extra=["--retry-base-ms", str(RETRY_BASE_MS),
                                         "--retry-cap-ms", str(RETRY_CAP_MS)])

    # ---- every route, both prefixes, with and without the trailing slash ----

    def test_every_route_with_and_without_prefix_and_trailing_slash(self):
        s = self.server
        for prefix in PREFIXES:
            for slash in ("", "/"):
                with self.subTest(prefix=prefix, slash=slash):
                    r = s.request("POST", f"{prefix}/jobs{slash}",
                                  {"type": "square_sum", "payload": {"data": [1, 2, 3]}})
                    job = self.must_json(r, 201)
                    self.check_full_job(job)
                    self.assertEqual(r.headers.get("Location"), f"/api/v1/jobs/{job['id']}")
                    jid = job["id"]
                    got = self.must_json(s.request("GET", f"{prefix}/jobs/{jid}{slash}"), 200)
                    self.assertEqual(got["id"], jid)
                    s.wait_for(jid, "SUCCEEDED")
                    st = self.must_json(s.request("GET", f"{prefix}/jobs/{jid}/status{slash}"),
                                        200)
                    self.assertEqual(st["status"], "SUCCEEDED")
                    res = self.must_json(s.request("GET", f"{prefix}/jobs/{jid}/result{slash}"),
                                         200)
                    self.assertEqual(res["result"], 14)
                    ev = self.must_json(s.request("GET", f"{prefix}/jobs/{jid}/events{slash}"),
                                        200)
                    self.assertEqual(ev["job_id"], jid)
                    lst = self.must_json(s.request("GET", f"{prefix}/jobs{slash}?limit=5"), 200)
                    self.assertIn("jobs", lst)
                    b = self.must_json(s.request("POST", f"{prefix}/jobs/batch{slash}",
                                                 {"jobs": [{"type": "noop", "payload": {}}]}),
                                       201)
                    self.assertEqual(len(b["jobs"]), 1)
                    # retry is only for FAILED/CANCELLED/EXPIRED: a SUCCEEDED job → 409
                    self.must_problem(s.request("POST", f"{prefix}/jobs/{jid}/retry{slash}"),
                                      409)
                    self.must_problem(s.request("DELETE", f"{prefix}/jobs/{jid}{slash}"), 409)
                    for path in ("/health", "/ready", "/admin/stats"):
                        self.must_json(s.request("GET", f"{prefix}{path}{slash}"), 200)

    def test_job_json_status_result_and_events_shapes(self):
        s = self.server
        job = self.must_submit(s, {"type": "cube_sum", "payload": {"data": [1, 2]},
                                   "tags": ["a", "b"], "priority": 2, "max_attempts": 4,
                                   "timeout_s": 30})
        self.check_full_job(job)
        self.assertEqual(job["type"], "cube_sum")
        self.assertEqual(job["queue"], "default")
        self.assertEqual(job["priority"], 2)
        self.assertEqual(job["max_attempts"], 4)
        self.assertEqual(job["timeout_s"], 30)
        self.assertEqual(job["tags"], ["a", "b"])
        self.assertEqual(job["payload"], {"data": [1, 2]})
        self.assertIn(job["status"], ("PENDING", "RUNNING", "SUCCEEDED"))
        self.assertIsNone(job["result"])
        done = s.wait_for(job["id"], "SUCCEEDED")
        self.check_full_job(done)
        self.assertEqual(done["result"], 9)
        self.assertEqual(done["attempt"], 1)
        self.assertIsNone(done["error"])
        self.assertIsNotNone(done["started_at"])
        self.assertIsNotNone(done["finished_at"])
        self.assertLessEqual(parse_time(done["created_at"]), parse_time(done["finished_at"]))

        st = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/status"), 200)
        for k in STATUS_KEYS:
            self.assertIn(k, st, f"status route lacks {k!r}: {st}")
        self.assertEqual((st["id"], st["job_id"], st["status"]),
                         (job["id"], job["id"], "SUCCEEDED"))
        self.check_times(st, ("created_at", "updated_at", "started_at", "finished_at"))

        res = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/result"), 200)
        for k in RESULT_KEYS:
            self.assertIn(k, res, f"result route lacks {k!r}: {res}")
        self.assertEqual(res["result"], 9)
        self.assertEqual(res["status"], "SUCCEEDED")

        ev = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/events"), 200)
        events = ev["events"]
        self.assertGreaterEqual(len(events), 3, f"expected insert, start, finish: {events}")
        for e in events:
            for k in ("at", "from", "to", "attempt", "message"):
                self.assertIn(k, e, f"event lacks {k!r}: {e}")
            self.assertRegex(e["at"], TIME_RE)
        self.assertIsNone(events[0]["from"], f"first event is the insert: {events}")
        self.assertEqual(events[-1]["to"], "SUCCEEDED")
        self.assertIn("RUNNING", [e["to"] for e in events])
        ats = [parse_time(e["at"]) for e in events]
        self.assertEqual(ats, sorted(ats), "events must be oldest first")

    def test_result_is_null_until_succeeded(self):
        s = self.server
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30}})
        self.cancel_at_end(s, job["id"])
        s.wait_for(job["id"], "RUNNING")
        res = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/result"), 200)
        self.assertEqual(res["status"], "RUNNING")
        self.assertIsNone(res["result"])
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        s.wait_for(job["id"], "CANCELLED", timeout=10)

    # ---- the seeds' request shapes ----

    def test_seed_001_operation_data_shape(self):
        s = self.server
        job = self.must_submit(s, {"data": [1, 2, 3, 4, 5], "operation": "square_sum"},
                               path="/api/v1/jobs/")
        self.assertEqual(job["type"], "square_sum")
        self.assertEqual(job["payload"], {"data": [1, 2, 3, 4, 5]})
        s.wait_for(job["id"], "SUCCEEDED")
        # Seed 001's result route: its words and the nested result.
        res = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/result"), 200)
        self.assertEqual((res["status"], res["operation"]), ("SUCCESS", "square_sum"))
        self.assertEqual(res["result"], {"result": 55, "error": None})

    def test_seed_004_exact_request(self):
        s = self.server
        r = s.request("POST", "/jobs/", b'{"data": [2, 3], "operation": "cube_sum"}',
                      {"Content-Type": "application/json"})
        job = self.must_json(r, 201)
        self.assertTrue(is_uuid(job["job_id"]))
        self.assertIn(job["status"], ("PENDING", "IN_PROGRESS", "SUCCESS"))
        s.wait_for(job["job_id"], "SUCCEEDED")
        # Seed 004's routes: its words, and the result a bare number written as a float.
        st = self.must_json(s.request("GET", f"/jobs/{job['job_id']}/status"), 200)
        self.assertEqual(st["status"], "SUCCESS")
        r = s.request("GET", f"/jobs/{job['job_id']}/result")
        res = self.must_json(r, 200)
        self.assertEqual(res["job_id"], job["job_id"])
        self.assertEqual(res["result"], 35)
        self.assertIn(b'"result":35.0', r.raw)

    def test_seed_003_task_params_shape(self):
        s = self.server
        key = unique("upload")
        # Seed 003's API answers 202 Accepted, in its lower-case words.
        job = self.must_json(s.submit({"task": "square_sum", "params": {"data": [2, 4]},
                                       "priority": 5},
                                      {"Idempotency-Key": key, "X-Correlation-Id": "request-123"}),
                             202)
        self.assertEqual((job["status"], job["task_name"]), ("queued", "square_sum"))
        self.assertEqual(job["type"], "square_sum")
        self.assertEqual(job["payload"], {"data": [2, 4]})
        self.assertEqual(job["idempotency_key"], key)
        self.assertEqual(job["correlation_id"], "request-123")
        done = s.wait_for(job["id"], "SUCCEEDED")
        self.assertEqual(done["result"], 20)

    def test_seed_002_type_payload_shape(self):
        s = self.server
        key = unique("signup-email")
        job = self.must_submit(s, {"type": "square_sum", "payload": {"data": [3]},
                                   "idempotency_key": key, "priority": 3,
                                   "scheduled_at": "2020-02-01T15:00:00"}, path="/jobs")
        self.assertEqual(job["idempotency_key"], key)
        self.assertEqual(job["priority"], 3)
        self.assertEqual(job["run_at"], "2020-02-01T15:00:00.000Z",
                         "scheduled_at is an alias of run_at; naive times are UTC")
        self.assertEqual(s.wait_for(job["id"], "SUCCEEDED")["result"], 9)
        noop = self.must_submit(s, {"type": "noop", "payload": {"to": "user@example.com"},
                                    "priority": 5}, path="/jobs")
        done = s.wait_for(noop["id"], "SUCCEEDED")
        self.assertIsInstance(done["result"], dict)
        self.assertIsInstance(done["result"].get("started_at_us"), int,
                              f"noop result must carry started_at_us: {done['result']}")

    def test_seed_000_doc_id_shape(self):
        s = self.server
        doc = unique("doc")
        body = {"doc_id": doc, "payload": {"key": "value", "data": 123},
                "webhook_url": "http://localhost:8000/webhook-receiver"}
        r = s.request("POST", "/jobs", body)
        if r.status == 422:
            # document.pipeline is not a built-in type yet: the answer names the type it
            # mapped to and the known ones.
            p = self.must_problem(r, 422, path="/jobs",
                                  detail_contains=["document.pipeline", "square_sum"])
            self.assertIn("known", p["detail"])
            return
        job = self.must_json(r, 201)
        self.assertEqual((job["type"], job["idempotency_key"]), ("document.pipeline", doc))
        # the seed body is the pipeline's payload; its deliver step is the notification
        self.assertEqual(job["payload"], body)
        self.assertIsNone(job["webhook_url"])
        again = self.must_json(s.request("POST", "/jobs", body), 200)
        self.assertEqual((again["id"], again["is_new"]), (job["id"], False),
                         "a duplicate doc_id returns the existing job")

    def test_scheduled_job_waits_and_naive_time_is_utc(self):
        s = self.server
        job = self.must_submit(s, {"type": "noop", "payload": {},
                                   "scheduled_at": "2099-02-01T15:00:00"})
        self.assertEqual(job["status"], "SCHEDULED")
        self.assertEqual(job["run_at"], "2099-02-01T15:00:00.000Z")
        time.sleep(0.3)
        self.assertEqual(self.must_json(s.get_job(job["id"]), 200)["status"], "SCHEDULED")
        c = self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        self.assertEqual(c["status"], "CANCELLED")

    # ---- list filters on a server whose jobs run ----

    def test_list_completed_alias_and_type_filter(self):
        s = self.server
        job = self.must_submit(s, {"type": "cube_sum", "payload": {"data": [3]}})
        s.wait_for(job["id"], "SUCCEEDED")
        for q in ("status=COMPLETED", "status=completed", "status=success",
                  "status=SUCCEEDED", "status=succeeded"):
            with self.subTest(q=q):
                body = self.must_json(s.request("GET", f"/jobs?{q}&limit=1000"), 200)
                self.assertTrue(body["jobs"], f"{q} returned nothing")
                self.assertTrue(all(j["status"] == "SUCCEEDED" for j in body["jobs"]),
                                f"{q} returned other states")
                self.assertIn(job["id"], [j["id"] for j in body["jobs"]])
        body = self.must_json(s.request("GET", "/api/v1/jobs?type=cube_sum&limit=1000"), 200)
        self.assertIn(job["id"], [j["id"] for j in body["jobs"]])
        self.assertTrue(all(j["type"] == "cube_sum" for j in body["jobs"]))
        self.assertEqual(body["limit"], 1000)

    # ---- cancel ----

    def test_cancel_running_job_ends_cancelled(self):
        s = self.server
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30}})
        self.cancel_at_end(s, job["id"])
        s.wait_for(job["id"], "RUNNING")
        for q in ("status=running&limit=10&offset=0", "status=in_progress",
                  "status=processing", "status=RUNNING"):
            with self.subTest(q=q):
                body = self.must_json(s.request("GET", f"/api/v1/jobs?{q}"), 200)
                self.assertIn(job["id"], [j["id"] for j in body["jobs"]])
                self.assertTrue(all(j["status"] == "RUNNING" for j in body["jobs"]))
        body = self.must_json(s.request("GET", "/api/v1/jobs?status=running&limit=10&offset=0"),
                              200)
        self.assertEqual(body["limit"], 10)
        r = self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        self.assertIn(r["status"], ("RUNNING", "CANCELLED"))
        if r["status"] == "RUNNING":
            self.assertIs(r["cancel_requested"], True)
        done = s.wait_for(job["id"], "CANCELLED", timeout=10)
        self.assertIsNotNone(done["finished_at"])
        self.must_problem(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 409,
                          path=f"/api/v1/jobs/{job['id']}")
        # a cancelled job can be re-driven: it runs again
        rt = self.must_json(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 200)
        self.assertEqual(rt["status"], "PENDING")
        s.wait_for(job["id"], "RUNNING")
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        s.wait_for(job["id"], "CANCELLED", timeout=10)

    def test_workers_run_jobs_in_parallel(self):
        s = self.server
        jobs = [self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30}})
                for _ in range(2)]
        try:
            def both_running():
                st = [self.must_json(s.get_job(j["id"]), 200)["status"] for j in jobs]
                return st == ["RUNNING", "RUNNING"]
            try:
                s.wait_until(both_running, 15, "two sleep jobs to run at once on --workers 2")
            except AssertionError as e:
                now = [self.must_json(s.get_job(j["id"]), 200) for j in jobs]
                stats = self.must_json(s.request("GET", "/admin/stats"), 200)
                self.fail(f"{e}; jobs: {[(j['status'], j['attempt']) for j in now]}; stats: "
                          f"{stats}")
            stats = self.must_json(s.request("GET", "/admin/stats"), 200)
            self.assertEqual(stats["status_breakdown"]["RUNNING"], 2, stats)
            self.assertEqual(stats["workers"]["running"], 2, stats)
        finally:
            for j in jobs:
                s.request("DELETE", f"/api/v1/jobs/{j['id']}")
        for j in jobs:
            s.wait_for(j["id"], "CANCELLED", timeout=10)

    def test_cancelled_scheduled_job_retried_runs_now(self):
        s = self.server
        job = self.must_submit(s, {"type": "noop", "payload": {},
                                   "run_at": "2099-01-01T00:00:00Z"})
        self.assertEqual(job["status"], "SCHEDULED")
        self.assertEqual(self.must_json(s.request("DELETE", f"/jobs/{job['id']}"), 200)["status"],
                         "CANCELLED")
        rt = self.must_json(s.request("POST", f"/jobs/{job['id']}/retry"), 200)
        self.assertEqual(rt["status"], "PENDING", "retry puts the job back in PENDING (ready)")
        s.wait_for(job["id"], "SUCCEEDED")

    # ---- failures, retries, backoff, dead letter, timeout ----

    def test_retry_of_failed_job_runs_it_again(self):
        s = self.server
        job = self.must_submit(s, {"type": "fail", "max_attempts": 3,
                                   "payload": {"times": 1, "retryable": False,
                                               "message": "boom-first"}})
        failed = s.wait_for(job["id"], "FAILED")
        self.assertEqual(failed["attempt"], 1)
        self.assertIn("boom-first", failed["error"] or "")
        rt = self.must_json(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 200)
        self.assertEqual(rt["id"], job["id"])
        self.assertEqual(rt["status"], "PENDING")
        self.assertLess(rt["attempt"], rt["max_attempts"], "retry gives a fresh attempt budget")

        def ran_twice():
            ev = s.events(job["id"])
            runs = [e for e in ev if e["to"] == "RUNNING"]
            j = s.get_job(job["id"]).body
            return j if len(runs) >= 2 and j["status"] in TERMINAL else None
        again = s.wait_until(ran_twice, 20, "the retried job to run again and finish")
        # `fail` fails while attempt <= times: with the attempt count reset it fails again,
        # with attempts counted on it succeeds; either way it must have run a second time.
        self.assertIn(again["status"], ("FAILED", "SUCCEEDED"))
        if again["status"] == "SUCCEEDED":
            self.assertEqual(again["result"], {"attempts": again["attempt"]})
        if again["status"] == "SUCCEEDED":
            self.must_problem(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 409)

    def test_backoff_retrying_then_succeeds_on_attempt_3(self):
        s = self.server
        job = self.must_submit(s, {"type": "fail", "max_attempts": 5,
                                   "payload": {"times": 2, "message": "transient"}})
        done = s.wait_for(job["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["attempt"], 3)
        self.assertEqual(done["result"], {"attempts": 3})
        events = s.events(job["id"])
        tos = [e["to"] for e in events]
        retrying = [i for i, e in enumerate(events) if e["to"] == "RETRYING"]
        self.assertEqual(len(retrying), 2, f"two failed attempts → two RETRYING: {tos}")
        for i in retrying:
            e = events[i]
            self.assertIn("transient", e["message"] or "", f"the error is kept: {e}")
            nxt = next((x for x in events[i + 1:] if x["to"] == "RUNNING"), None)
            self.assertIsNotNone(nxt, f"no RUNNING after RETRYING: {tos}")
            gap = parse_time(nxt["at"]) - parse_time(e["at"])
            bound = min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (e["attempt"] - 1)) / 1000.0
            self.assertGreaterEqual(gap, 0, f"events out of order: {events}")
            # Generous slack: only catches a backoff that ignores --retry-base-ms by far.
            self.assertLessEqual(gap, bound + 3.0,
                                 f"gap {gap:.3f}s after attempt {e['attempt']} exceeds the "
                                 f"backoff bound {bound}s (+3s slack): {events}")
        self.assertEqual(tos[-1], "SUCCEEDED")

    def test_dead_letter_after_max_attempts(self):
        s = self.server
        job = self.must_submit(s, {"type": "fail", "max_attempts": 3,
                                   "payload": {"message": "always broken"}})
        done = s.wait_for(job["id"], "FAILED", timeout=30)
        self.assertEqual(done["attempt"], 3)
        self.assertIn("always broken", done["error"] or "")
        self.assertIsNone(done["result"])
        tos = [e["to"] for e in s.events(job["id"])]
        self.assertEqual(tos.count("RUNNING"), 3, tos)
        self.assertEqual(tos.count("RETRYING"), 2, tos)
        self.assertEqual(tos[-1], "FAILED")
        body = self.must_json(s.request("GET", "/api/v1/jobs?status=FAILED&limit=1000"), 200)
        self.assertIn(job["id"], [j["id"] for j in body["jobs"]])
        res = self.must_json(s.request("GET", f"/api/v1/jobs/{job['id']}/result"), 200)
        self.assertIsNone(res["result"])
        self.assertIn("always broken", res["error"] or "")

    def test_non_retryable_fails_after_one_attempt(self):
        s = self.server
        job = self.must_submit(s, {"type": "fail", "max_attempts": 3,
                                   "payload": {"retryable": False, "message": "bad input"}})
        done = s.wait_for(job["id"], "FAILED")
        self.assertEqual(done["attempt"], 1)
        self.assertIn("bad input", done["error"] or "")
        self.assertNotIn("RETRYING", [e["to"] for e in s.events(job["id"])])

    def test_timeout_fails_the_attempt(self):
        s = self.server
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 10},
                                   "timeout_s": 1, "max_attempts": 1})
        # If the limit were ignored the job would SUCCEED after 10 s and wait_for fails at once.
        done = s.wait_for(job["id"], "FAILED", timeout=9)
        self.assertEqual(done["attempt"], 1)
        self.assertIsNotNone(done["error"])
        self.assertRegex(done["error"].lower(), r"time", f"error should say it timed out: {done}")

    # ---- correlation ids ----

    def test_correlation_id_echoed_and_stored(self):
        s = self.server
        r = s.request("POST", "/api/v1/jobs", {"type": "noop", "payload": {}},
                      {"X-Correlation-Id": "corr-abc-123"})
        job = self.must_json(r, 201)
        self.assertEqual(r.headers.get("X-Correlation-Id"), "corr-abc-123")
        self.assertEqual(job["correlation_id"], "corr-abc-123")
        self.assertEqual(self.must_json(s.get_job(job["id"]), 200)["correlation_id"],
                         "corr-abc-123")
        # the body field wins over the header
        r = s.request("POST", "/api/v1/jobs", {"type": "noop", "payload": {},
                                               "correlation_id": "from-body"},
                      {"X-Correlation-Id": "from-header"})
        self.assertEqual(self.must_json(r, 201)["correlation_id"], "from-body")
        # echoed on every response, errors included
        r = s.request("GET", "/health", headers={"X-Correlation-Id": "h-1"})
        self.assertEqual(r.headers.get("X-Correlation-Id"), "h-1")
        r = s.request("GET", "/api/v1/jobs/not-a-uuid", headers={"X-Correlation-Id": "e-1"})
        self.assertEqual(r.headers.get("X-Correlation-Id"), "e-1")

    def test_correlation_id_generated_when_absent(self):
        s = self.server
        r = s.request("POST", "/api/v1/jobs", {"type": "noop", "payload": {}})
        job = self.must_json(r, 201)
        cid = r.headers.get("X-Correlation-Id")
        self.assertTrue(is_uuid(cid), f"a generated correlation id is a UUID: {cid!r}")
        self.assertEqual(uuid.UUID(cid).version, 7, f"generated correlation id is a UUIDv7: {cid}")
        self.assertEqual(job["correlation_id"], cid, "the generated id is stored on the job")
        r2 = s.request("GET", "/health")
        self.assertTrue(is_uuid(r2.headers.get("X-Correlation-Id")))
        self.assertNotEqual(r2.headers.get("X-Correlation-Id"), cid)

    # ---- health, ready, stats ----

    def test_health_ready_stats(self):
        s = self.server
        self.assertEqual(self.must_json(s.request("GET", "/health"), 200), {"status": "ok"})
        self.assertEqual(self.must_json(s.request("GET", "/ready"), 200), {"status": "ready"})
        job = self.must_submit(s, {"type": "noop", "payload": {}})
        s.wait_for(job["id"], "SUCCEEDED")
        st = self.must_json(s.request("GET", "/admin/stats"), 200)
        bd = st["status_breakdown"]
        for state in ALL_STATES:
            self.assertIn(state, bd, f"status_breakdown lacks {state}: {st}")
            self.assertIsInstance(bd[state], int)
        self.assertEqual(st["total"], sum(bd.values()), f"total must be the sum: {st}")
        self.assertGreaterEqual(bd["SUCCEEDED"], 1)
        for k in ("running", "completed", "failed_attempts"):
            self.assertIsInstance(st["workers"][k], int, f"workers.{k}: {st}")
        self.assertGreaterEqual(st["workers"]["completed"], 1)

    def test_health_under_api_prefix(self):
        s = self.server
        self.assertEqual(self.must_json(s.request("GET", "/api/v1/health"), 200),
                         {"status": "ok"})
        self.must_json(s.request("GET", "/api/v1/admin/stats"), 200)


class ApiOnlyTest(ServerTestCase, ContractHelpers):
    """--workers 0: jobs stay where they are put."""

    SERVER_ARGS = dict(workers=0)

    def test_list_pending_and_aliases(self):
        s = self.server
        q = unique("q")
        ids = [self.must_submit(s, {"type": "noop", "payload": {"i": i}, "queue": q})["id"]
               for i in range(3)]
        for status in ("PENDING", "pending", "queued", "Pending"):
            with self.subTest(status=status):
                body = self.must_json(s.request("GET", f"/jobs?status={status}&queue={q}"), 200)
                self.assertEqual(sorted(j["id"] for j in body["jobs"]), sorted(ids))
                self.assertEqual([j["id"] for j in body["jobs"]], list(reversed(ids)),
                                 "lists are newest first")
                self.assertIsNone(body["next_cursor"])
                self.assertEqual(body["limit"], 50, "limit defaults to 50")
        body = self.must_json(s.request("GET", f"/jobs?status=SUCCEEDED&queue={q}"), 200)
        self.assertEqual(body["jobs"], [])
        body = self.must_json(s.request("GET", "/jobs?status=PENDING"), 200)
        self.assertTrue(all(j["status"] == "PENDING" for j in body["jobs"]))

    def test_cursor_pagination_exactly_once_while_inserting(self):
        s = self.server
        q = unique("pag")
        n = 23
        original = [self.must_submit(s, {"type": "noop", "payload": {"i": i},
                                         "queue": q})["id"] for i in range(n)]
        seen, cursor, pages = [], None, 0
        while True:
            path = f"/api/v1/jobs?queue={q}&limit=5" + (f"&cursor={cursor}" if cursor else "")
            body = self.must_json(s.request("GET", path), 200)
            self.assertLessEqual(len(body["jobs"]), 5)
            self.assertEqual(body["limit"], 5)
            seen.extend(j["id"] for j in body["jobs"])
            pages += 1
            self.assertLess(pages, 20, "pagination does not end")
            cursor = body["next_cursor"]
            if cursor is None:
                break
            self.assertTrue(is_uuid(cursor), f"next_cursor must be an id: {cursor!r}")
            for i in range(2):  # newer jobs arrive between pages
                self.must_submit(s, {"type": "noop", "payload": {"late": i}, "queue": q})
        self.assertEqual(len(seen), len(set(seen)), f"a job was returned twice: {seen}")
        self.assertEqual(set(seen), set(original),
                         "every job that existed when paging began is returned exactly once, "
                         "and jobs inserted meanwhile (newer) do not shift the pages")
        self.assertEqual(seen, list(reversed(original)), "newest first")

    def test_offset_pagination(self):
        s = self.server
        q = unique("off")
        ids = [self.must_submit(s, {"type": "noop", "payload": {}, "queue": q})["id"]
               for _ in range(8)]
        newest_first = list(reversed(ids))
        body = self.must_json(s.request("GET", f"/jobs?queue={q}&limit=3&offset=2"), 200)
        self.assertEqual([j["id"] for j in body["jobs"]], newest_first[2:5])
        body = self.must_json(s.request("GET", f"/jobs?queue={q}&limit=3&offset=0"), 200)
        self.assertEqual([j["id"] for j in body["jobs"]], newest_first[0:3])
        body = self.must_json(s.request("GET", f"/jobs?queue={q}&limit=10&offset=100"), 200)
        self.assertEqual(body["jobs"], [])

    def test_batch_submit(self):
        s = self.server
        q = unique("batch")
        specs = [{"type": "square_sum", "payload": {"data": [i]}, "queue": q} for i in range(3)]
        body = self.must_json(s.request("POST", "/api/v1/jobs/batch", {"jobs": specs}), 201)
        self.assertEqual(len(body["jobs"]), 3)
        for j, spec in zip(body["jobs"], specs):
            self.must_job(j)
            self.assertIs(j["is_new"], True)
            self.assertEqual(j["payload"], spec["payload"])
        self.assertEqual(len({j["id"] for j in body["jobs"]}), 3)
        body = self.must_json(s.request("POST", "/jobs/batch",
                                        [{"type": "noop", "payload": {}, "queue": q}] * 2), 201)
        self.assertEqual(len(body["jobs"]), 2)
        self.assertEqual(len(self.list_all(s, f"queue={q}")), 5)

    def test_batch_is_all_or_nothing(self):
        s = self.server
        q = unique("batchbad")
        specs = [{"type": "square_sum", "payload": {"data": [1]}, "queue": q},
                 {"type": "square_sum", "payload": {"data": [1, "x"]}, "queue": q},
                 {"type": "noop", "payload": {}, "queue": q}]
        total_before = self.must_json(s.request("GET", "/admin/stats"), 200)["total"]
        p = self.must_problem(s.request("POST", "/api/v1/jobs/batch", {"jobs": specs}), 422,
                              path="/api/v1/jobs/batch", detail_contains="jobs[1]")
        self.assertIn("payload.data[1]", p["detail"])
        specs2 = [{"type": "noop", "payload": {}, "queue": q},
                  {"type": "no such type", "payload": {}, "queue": q}]
        self.must_problem(s.request("POST", "/api/v1/jobs/batch", {"jobs": specs2}), 422,
                          detail_contains="jobs[1]")
        self.assertEqual(self.list_all(s, f"queue={q}"), [], "nothing may be stored")
        self.assertEqual(self.must_json(s.request("GET", "/admin/stats"), 200)["total"],
                         total_before)

    def test_idempotency_header(self):
        s = self.server
        key = unique("idem-h")
        spec = {"type": "square_sum", "payload": {"data": [1, 2]}}
        a = self.must_submit(s, spec, headers={"Idempotency-Key": key})
        self.assertEqual(a["idempotency_key"], key)
        r = s.request("POST", "/api/v1/jobs", spec, {"Idempotency-Key": key})
        b = self.must_json(r, 200)
        self.assertIs(b["is_new"], False)
        self.assertEqual(b["id"], a["id"])
        diff = {"type": "square_sum", "payload": {"data": [1, 2, 3]}}
        self.must_problem(s.request("POST", "/api/v1/jobs", diff, {"Idempotency-Key": key}),
                          409, path="/api/v1/jobs")
        # the same key as a body field is the same key
        r = s.request("POST", "/api/v1/jobs", dict(spec, idempotency_key=key))
        self.assertIn(r.status, (200, 409), f"same key via the field: {r!r}")
        if r.status == 200:
            self.assertEqual(r.body["id"], a["id"])

    def test_idempotency_field(self):
        s = self.server
        key = unique("idem-f")
        spec = {"type": "noop", "payload": {"x": 1}, "idempotency_key": key, "priority": 4}
        a = self.must_submit(s, spec)
        b = self.must_json(s.request("POST", "/jobs/", spec), 200)
        self.assertEqual((b["id"], b["is_new"]), (a["id"], False))
        c = self.must_json(s.request("POST", "/api/v1/jobs/batch", {"jobs": [spec]}), 201)
        self.assertEqual(c["jobs"][0]["id"], a["id"], "a batch replay returns the original")
        self.assertIs(c["jobs"][0]["is_new"], False)
        self.must_problem(s.request("POST", "/jobs", dict(spec, payload={"x": 2})), 409)
        self.must_problem(s.request("POST", "/jobs", dict(spec, priority=9)), 409)
        # A header key that differs from the body's wins (IETF draft), and the answer says so.
        other = s.request("POST", "/jobs", spec, {"Idempotency-Key": key + "-other"})
        d = self.must_json(other, 201)
        self.assertEqual(d["idempotency_key"], key + "-other")
        self.assertEqual(other.headers.get("idempotency-key"), key + "-other")
        self.assertIn("header's key was used", d["warnings"][0])
        body = self.must_json(s.request("GET", "/api/v1/jobs?limit=1000&status=PENDING"), 200)
        self.assertEqual([j["id"] for j in body["jobs"] if j["idempotency_key"] == key],
                         [a["id"]], "only one job exists for the key")

    def test_idempotency_under_concurrent_submits(self):
        import threading
        s = self.server
        key = unique("race")
        spec = {"type": "noop", "payload": {"k": 1}, "idempotency_key": key}
        results, lock = [], threading.Lock()

        def submit():
            r = s.request("POST", "/api/v1/jobs", spec)
            with lock:
                results.append(r)
        threads = [threading.Thread(target=submit) for _ in range(scaled(12, 4))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), len(threads))
        codes = sorted(r.status for r in results)
        self.assertEqual(codes.count(201), 1, f"exactly one submit creates the job: {codes}")
        self.assertTrue(all(c in (200, 201) for c in codes), f"{results}")
        self.assertEqual(len({r.body["id"] for r in results}), 1, "all answers name one job")

    def test_chunked_body_and_keep_alive(self):
        import http.client
        s = self.server
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=15)
        try:
            body = json.dumps({"type": "noop", "payload": {"via": "chunked"}}).encode()
            conn.request("POST", "/api/v1/jobs", body=iter([body[:10], body[10:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            r = conn.getresponse()
            job = json.loads(r.read())
            self.assertEqual(r.status, 201, job)
            self.assertEqual(job["payload"], {"via": "chunked"})
            for _ in range(3):  # the same connection serves further requests
                conn.request("GET", f"/api/v1/jobs/{job['id']}")
                r = conn.getresponse()
                self.assertEqual((r.status, json.loads(r.read())["id"]), (200, job["id"]))
        finally:
            conn.close()

    def test_cancel_pending_job(self):
        s = self.server
        job = self.must_submit(s, {"type": "noop", "payload": {}})
        self.assertEqual(job["status"], "PENDING")
        r = self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        self.assertEqual(r["status"], "CANCELLED")
        self.assertEqual(self.must_json(s.get_job(job["id"]), 200)["status"], "CANCELLED")
        self.must_problem(s.request("DELETE", f"/jobs/{job['id']}"), 409,
                          path=f"/jobs/{job['id']}")
        tos = [e["to"] for e in s.events(job["id"])]
        self.assertEqual(tos[-1], "CANCELLED")

    def test_retry_only_for_failed_cancelled_expired(self):
        s = self.server
        job = self.must_submit(s, {"type": "noop", "payload": {}})
        self.must_problem(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 409,
                          path=f"/api/v1/jobs/{job['id']}/retry")
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        r = self.must_json(s.request("POST", f"/api/v1/jobs/{job['id']}/retry"), 200)
        self.assertEqual(r["status"], "PENDING")
        self.assertEqual(r["attempt"], 0)

    def test_unknown_job_404_on_every_job_route(self):
        s = self.server
        jid = str(uuid.uuid4())
        for method, suffix in (("GET", ""), ("GET", "/status"), ("GET", "/result"),
                               ("GET", "/events"), ("DELETE", ""), ("POST", "/retry")):
            for prefix in PREFIXES:
                path = f"{prefix}/jobs/{jid}{suffix}"
                with self.subTest(path=path, method=method):
                    self.must_problem(s.request(method, path), 404, path=path)


if __name__ == "__main__":
    unittest.main()
