"""Queues, limits and waiting reasons through real HTTP (docs/scheduling.md).

Plan queues exist with seed 003's weights and `plan` routes to them; PATCH /queues refuses a bad
weight, rate or field with a 422 naming it; a paused queue starts nothing until resumed; a
concurrency limit of 1 keeps a second job waiting; a spent rate limit holds a job PENDING (it
never fails for it); and every job that is not running says why in `waiting_reason`, `no_worker`
included (a type the node that submitted it declared, read on a node that does not serve it).
The checks run on SQLite (QueuesTest) and on PostgreSQL (QueuesPostgresTest).
"""

import datetime
import itertools
import os
import unittest

import pg_server
from conveyor_harness import ServerTestCase

RETRY_FLAGS = ["--retry-base-ms", "600000", "--retry-cap-ms", "600000"]
_databases = itertools.count()


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class QueueChecks:
    """The checks, run against SERVER_ARGS' store by each concrete class below. A class says how
    to get a store of a node's own (fresh_store) and a second node that reads the same jobs
    without a flag the first one had (node_without_the_declaration)."""

    def reason(self, job_id):
        job = self.must_json(self.server.get_job(job_id), 200)
        return job["status"], job["waiting_reason"]

    def patch(self, name, body, status=200):
        return self.must_json(self.server.request("PATCH", f"/api/v1/queues/{name}", body), status)

    def test_plan_queues_exist_and_plan_routes_to_them(self):
        queues = self.must_json(self.server.request("GET", "/api/v1/queues"), 200)["queues"]
        weights = {q["name"]: q["weight"] for q in queues}
        for plan, weight in (("free", 1), ("pro", 5), ("business", 7), ("enterprise", 10)):
            self.assertEqual(weights[f"queue:{plan}"], weight)
        job = self.must_submit(self.server, {"type": "noop", "payload": {}, "plan": "business"})
        self.assertEqual(job["queue"], "queue:business")
        self.server.wait_for(job["id"], "SUCCEEDED")
        # The counts are read at most once a second (one scan shared by every caller).
        one = self.server.wait_until(
            lambda: (lambda q: q if q["depth"]["succeeded"] >= 1 else None)(self.must_json(
                self.server.request("GET", "/api/v1/queues/queue:business"), 200)),
            5, "queue:business to count its succeeded job")
        self.assertGreaterEqual(one["throughput_per_minute"], 1)

    def test_bad_settings_are_422_naming_the_field(self):
        for body, field in (({"weight": 0}, "weight"), ({"concurrency_limit": 0}, "concurrency_limit"),
                            ({"rate_limit": "0/minute"}, "rate_limit"), ({"colour": "red"}, "colour"),
                            ({"paused": "yes"}, "paused")):
            with self.subTest(body=body):
                r = self.server.request("PATCH", "/api/v1/queues/e2e-bad", body)
                self.must_problem(r, 422, detail_contains=field)
        r = self.server.request("PUT", "/api/v1/rate-limits/noop", {"rate": "0/second"})
        self.must_problem(r, 422, detail_contains="rate")
        r = self.server.submit({"type": "noop", "payload": {}, "plan": "platinum"})
        self.must_problem(r, 422, detail_contains="plan")
        r = self.server.submit({"type": "noop", "payload": {}, "delay": -1})
        self.must_problem(r, 422, detail_contains="delay")

    def test_paused_queue_starts_nothing_until_resumed(self):
        self.must_json(self.server.request("POST", "/api/v1/queues/e2e-paused/pause"), 200)
        job = self.must_submit(self.server, {"type": "noop", "payload": {}, "queue": "e2e-paused"})
        status, why = self.server.wait_until(
            lambda: (lambda s, w: (s, w) if w and w["code"] == "queue_paused" else None)(
                *self.reason(job["id"])), 5, "queue_paused reason")
        self.assertEqual(status, "PENDING")
        self.assertIn("e2e-paused", why["detail"])
        self.must_json(self.server.request("POST", "/api/v1/queues/e2e-paused/resume"), 200)
        done = self.server.wait_for(job["id"], "SUCCEEDED", timeout=10)
        self.assertIsNone(done["waiting_reason"])

    def test_concurrency_limit_keeps_the_second_job_waiting(self):
        self.patch("e2e-limited", {"concurrency_limit": 1})
        first = self.must_submit(self.server, {"type": "sleep", "payload": {"seconds": 30},
                                               "queue": "e2e-limited"})
        self.cancel_at_end(self.server, first["id"])
        self.server.wait_for(first["id"], "RUNNING")
        second = self.must_submit(self.server, {"type": "noop", "payload": {},
                                                "queue": "e2e-limited"})
        self.server.wait_until(lambda: self.reason(second["id"])[1]["code"] == "queue_at_limit", 5,
                               "queue_at_limit reason")
        self.assertEqual(self.reason(second["id"])[0], "PENDING")
        self.must_status(self.server.request("DELETE", f"/api/v1/jobs/{first['id']}"), 200, 202)
        self.server.wait_for(second["id"], "SUCCEEDED", timeout=10)

    def test_spent_rate_limit_holds_a_job_pending_until_its_window(self):
        self.must_json(self.server.request("PUT", "/api/v1/rate-limits/cube_sum",
                                           {"rate": "1/hour"}), 200)
        self.addCleanup(self.server.request, "DELETE", "/api/v1/rate-limits/cube_sum")
        first = self.must_submit(self.server, {"type": "cube_sum", "payload": {"data": [1, 2]}})
        self.server.wait_for(first["id"], "SUCCEEDED")
        second = self.must_submit(self.server, {"type": "cube_sum", "payload": {"data": [1, 2]}})
        status, why = self.server.wait_until(
            lambda: (lambda s, w: (s, w) if w and w["code"] == "rate_limited" else None)(
                *self.reason(second["id"])), 5, "rate_limited reason")
        self.assertEqual(status, "PENDING", "a limited job waits, it never fails for it")
        self.assertGreater(parse_time(why["until"]), datetime.datetime.now(datetime.timezone.utc))
        rates = self.must_json(self.server.request("GET", "/api/v1/rate-limits"), 200)
        cube = [r for r in rates["rate_limits"] if r["name"] == "cube_sum"][0]
        self.assertEqual(cube["remaining"], 0)

    def test_every_waiting_job_says_why(self):
        later = self.must_submit(self.server, {"type": "noop", "payload": {}, "delay": 300})
        self.cancel_at_end(self.server, later["id"])
        status, why = self.reason(later["id"])
        self.assertEqual((status, why["code"]), ("SCHEDULED", "scheduled"))
        self.assertEqual(parse_time(why["until"]), parse_time(later["run_at"]))
        blocked = self.must_submit(self.server, {"type": "noop", "payload": {},
                                                 "depends_on": [later["id"]]})
        self.cancel_at_end(self.server, blocked["id"])
        status, why = self.reason(blocked["id"])
        self.assertEqual((status, why["code"]), ("BLOCKED", "dependencies"))
        self.assertEqual(why["waiting_on"], [later["id"]])
        failing = self.must_submit(self.server, {"type": "fail", "payload": {},
                                                 "max_attempts": 3})
        self.cancel_at_end(self.server, failing["id"])
        job = self.server.wait_for(failing["id"], ("RETRYING",), timeout=10)
        if parse_time(job["run_at"]) > datetime.datetime.now(datetime.timezone.utc):
            self.assertEqual(job["waiting_reason"]["code"], "backoff")
        running = self.must_submit(self.server, {"type": "sleep", "payload": {"seconds": 30}})
        self.cancel_at_end(self.server, running["id"])
        self.assertIsNone(self.server.wait_for(running["id"], "RUNNING")["waiting_reason"])

    def test_a_due_job_on_a_node_without_workers_is_ready(self):
        api_only = self.new_server(workers=0, **self.fresh_store())
        job = self.must_json(api_only.submit({"type": "noop", "payload": {}}), 201)
        r = self.must_json(api_only.get_job(job["id"]), 200)
        self.assertEqual(r["waiting_reason"]["code"], "ready")

    def test_a_job_no_node_serves_waits_with_no_worker(self):
        declaring = self.new_server(workers=0, extra=["--external-types", "e2e.ext"],
                                    **self.fresh_store())
        job = self.must_submit(declaring, {"type": "e2e.ext", "payload": {}})
        self.assertEqual(self.reason_on(declaring, job["id"])[1]["code"], "ready")
        plain = self.node_without_the_declaration(declaring)
        status, why = self.reason_on(plain, job["id"])
        self.assertEqual((status, why["code"]), ("PENDING", "no_worker"), why)
        self.assertIn("e2e.ext", why["detail"])
        # The node that does not serve the type refuses new jobs of it (the reason is no excuse).
        self.must_problem(plain.submit({"type": "e2e.ext", "payload": {}}), 422,
                          detail_contains="e2e.ext")

    def reason_on(self, node, job_id):
        job = self.must_json(node.get_job(job_id), 200)
        return job["status"], job["waiting_reason"]


class QueuesTest(QueueChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=2, extra=RETRY_FLAGS)

    def fresh_store(self):
        return {}  # a temp dir and SQLite file of its own

    def node_without_the_declaration(self, declaring):
        # One SQLite file has one server: the same file, restarted without the flag.
        declaring.stop()
        return self.new_server(workers=1, tmpdir=declaring.tmpdir)


class QueuesPostgresTest(QueueChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=2, extra=RETRY_FLAGS)

    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = dict(cls.SERVER_ARGS, store=cls.database())
        super().setUpClass()

    @staticmethod
    def database():
        return pg_server.create_database(f"queues_{os.getpid()}_{next(_databases)}")

    def fresh_store(self):
        return {"store": self.database()}

    def node_without_the_declaration(self, declaring):
        # Two nodes on one database, both up: the declaring one keeps saying "ready".
        return self.new_server(workers=1, store=declaring.store)


if __name__ == "__main__":
    unittest.main()
