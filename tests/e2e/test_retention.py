"""Retention end to end, on the real `conveyor serve` (SQLite, then PostgreSQL).

A server started with tiny --retain-* ages deletes finished jobs soon after they finish: GET
/jobs/{id} answers 404, conveyor_jobs_pruned_total{state} counts them on /metrics, and one
retention.pruned line is logged per pass that deleted something. Waiting jobs stay. A queue's own
retention (PATCH /queues/{name} {"retention": ...}) replaces the server's for its jobs. A bad
--retain-* value stops the server with a message.
"""

import os
import re
import subprocess
import time
import unittest

import pg_server
from conveyor_harness import ServerTestCase, binary

PRUNE_WAIT_S = 20  # age 1 s + a pass every second, with room for a loaded CI machine


def pruned_count(server, state):
    text = server.request("GET", "/metrics").raw.decode()
    m = re.search(r'^conveyor_jobs_pruned_total\{state="%s"\} (\S+)$' % state, text, re.M)
    return float(m.group(1)) if m else 0.0


class RetentionChecks:
    """The checks, run against SERVER_ARGS' store by each concrete class below."""

    def wait_gone(self, job_id):
        self.server.wait_until(lambda: self.server.get_job(job_id).status == 404, PRUNE_WAIT_S,
                               f"job {job_id} pruned")

    def test_finished_jobs_are_pruned_and_counted(self):
        before = pruned_count(self.server, "SUCCEEDED")
        ids = [self.must_submit(self.server, {"type": "noop", "payload": {"n": i}})["id"]
               for i in range(3)]
        for job_id in ids:
            self.server.wait_for(job_id, ["SUCCEEDED"])
        for job_id in ids:
            self.wait_gone(job_id)
        self.assertGreaterEqual(pruned_count(self.server, "SUCCEEDED"), before + 3)
        self.server.wait_until(lambda: "retention.pruned" in self.server.log_tail(400),
                               PRUNE_WAIT_S, "a retention.pruned log line")

    def test_a_cancelled_job_goes_and_a_waiting_job_stays(self):
        waiting = self.must_submit(self.server, {"type": "noop", "delay": 3600})["id"]
        cancelled = self.must_submit(self.server, {"type": "noop", "delay": 3600})["id"]
        self.must_status(self.server.request("DELETE", f"/api/v1/jobs/{cancelled}"), 200, 202)
        self.wait_gone(cancelled)
        self.assertEqual(self.must_json(self.server.get_job(waiting), 200)["status"], "SCHEDULED")
        self.assertGreaterEqual(pruned_count(self.server, "CANCELLED"), 1)
        self.cancel_at_end(self.server, waiting)

    def test_a_queue_kept_for_ever_keeps_its_jobs(self):
        queue = f"e2e-keep-{os.getpid()}"
        body = {"retention": {"succeeded": "0", "failed": "90d"}}
        q = self.must_json(self.server.request("PATCH", f"/api/v1/queues/{queue}", body), 200)
        self.assertEqual(q["retention"], {"succeeded": "0", "failed": "90d"})
        kept = self.must_submit(self.server, {"type": "noop", "queue": queue})["id"]
        plain = self.must_submit(self.server, {"type": "noop"})["id"]
        self.server.wait_for(kept, ["SUCCEEDED"])
        self.wait_gone(plain)
        time.sleep(2)  # two more passes
        self.must_json(self.server.get_job(kept), 200)
        # null gives the state back to the server's age.
        q = self.must_json(self.server.request(
            "PATCH", f"/api/v1/queues/{queue}", {"retention": {"succeeded": None}}), 200)
        self.assertEqual(q["retention"], {"failed": "90d"})
        self.wait_gone(kept)

    def test_a_bad_queue_retention_is_422_naming_it(self):
        for bad in ({"retention": {"succeeded": "5x"}}, {"retention": {"running": "1d"}},
                    {"retention": "1d"}):
            with self.subTest(body=bad):
                self.must_problem(self.server.request("PATCH", "/api/v1/queues/e2e-bad", bad),
                                  422, detail_contains="retention")


SERVER_FLAGS = ["--retain-succeeded", "1s", "--retain-failed", "1s", "--retain-cancelled", "1s",
                "--retain-expired", "1s", "--idempotency-window", "1s"]


class RetentionSqliteTest(RetentionChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=SERVER_FLAGS)


class RetentionPostgresTest(RetentionChecks, ServerTestCase):
    # The ages from the environment variables this time.
    SERVER_ARGS = dict(workers=1, env={"CONVEYOR_RETAIN_SUCCEEDED": "1s",
                                       "CONVEYOR_RETAIN_FAILED": "1s",
                                       "CONVEYOR_RETAIN_CANCELLED": "1s",
                                       "CONVEYOR_RETAIN_EXPIRED": "1s",
                                       "CONVEYOR_IDEMPOTENCY_WINDOW": "1s"})

    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = dict(cls.SERVER_ARGS,
                               store=pg_server.create_database(f"retention_{os.getpid()}"))
        super().setUpClass()


class RetentionFlagTest(unittest.TestCase):
    def test_a_bad_age_stops_the_server_with_a_message(self):
        for flag in ("--retain-succeeded", "--retain-failed", "--retain-cancelled",
                     "--retain-expired"):
            with self.subTest(flag=flag):
                r = subprocess.run([binary(), "serve", "--listen", "127.0.0.1:0", flag, "5x"],
                                   capture_output=True, text=True, timeout=30)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(flag, r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
