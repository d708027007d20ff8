"""Unique windows and delay end to end, on the real `conveyor serve` (SQLite, then PostgreSQL).

A server started with --idempotency-window 2s keeps a key with its job for 2 s: inside the window
the same request answers the original (200) and another request is a 409; after it the same key
makes a new job, and GET /api/v1/jobs?idempotency_key= finds the newest holder. `delay` (seconds,
Celery's countdown) runs a job at least that late; a bad delay is a 422 naming `delay`.
"""

import datetime
import os
import subprocess
import time
import unittest
import urllib.parse

import pg_server
from conveyor_harness import ServerTestCase, binary

WINDOW_S = 2


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class UniqueWindowChecks:
    """The checks, run against SERVER_ARGS' store by each concrete class below."""

    def list_by_key(self, key):
        q = urllib.parse.urlencode({"idempotency_key": key})
        body = self.must_json(self.server.request("GET", f"/api/v1/jobs?{q}"), 200)
        self.assertIn("next_cursor", body)
        return [j["id"] for j in body["jobs"]]

    def test_same_key_is_the_same_job_inside_the_window_and_a_new_one_after(self):
        key = f"order-{time.monotonic_ns()}/é"
        spec = {"type": "noop", "payload": {"n": 1}, "idempotency_key": key}
        first = self.must_submit(self.server, spec)
        replay = self.must_json(self.server.submit(spec), 200)
        self.assertEqual(replay["id"], first["id"])
        self.assertIs(replay["is_new"], False)
        self.must_problem(self.server.submit(dict(spec, payload={"n": 2})), 409,
                          detail_contains=key)
        self.assertEqual(self.list_by_key(key), [first["id"]])
        self.assertEqual(self.list_by_key(key + "-nobody"), [])

        time.sleep(WINDOW_S + 1)
        second = self.must_submit(self.server, spec)
        self.assertNotEqual(second["id"], first["id"])
        self.assertEqual(self.list_by_key(key), [second["id"]])
        # The old job is still there, showing the key it was submitted with.
        old = self.must_json(self.server.get_job(first["id"]), 200)
        self.assertEqual(old.get("idempotency_key"), key)
        # The new holder's window starts again: a different request is a 409 once more.
        self.must_problem(self.server.submit(dict(spec, payload={"n": 3})), 409)

    def test_header_key_follows_the_same_window(self):
        key = f"hdr-{time.monotonic_ns()}"
        first = self.must_submit(self.server, {"type": "noop"}, headers={"Idempotency-Key": key})
        time.sleep(WINDOW_S + 1)
        second = self.must_submit(self.server, {"type": "noop"}, headers={"Idempotency-Key": key})
        self.assertNotEqual(second["id"], first["id"])
        self.assertEqual(self.list_by_key(key), [second["id"]])

    def test_delay_runs_the_job_at_least_that_many_seconds_later(self):
        job = self.must_submit(self.server, {"type": "noop", "delay": 2})
        self.assertEqual(job["status"], "SCHEDULED")
        done = self.server.wait_for(job["id"], "SUCCEEDED", timeout=30)
        created = parse_time(done["created_at"])
        started = parse_time(done["started_at"])
        self.assertGreaterEqual((started - created).total_seconds(), 2.0, done)
        self.assertGreaterEqual((parse_time(done["run_at"]) - created).total_seconds(), 2.0)

    def test_bad_delays_are_422_naming_delay(self):
        for bad in (-1, -0.5, "5", [], True, 31536001, 1e30):
            with self.subTest(delay=bad):
                p = self.must_problem(self.server.submit({"type": "noop", "delay": bad}), 422)
                self.assertTrue(p["detail"].startswith("delay must be a number of seconds"), p)
        for when in ("run_at", "scheduled_at"):
            with self.subTest(beside=when):
                spec = {"type": "noop", "delay": 5, when: "2099-01-01T00:00:00Z"}
                p = self.must_problem(self.server.submit(spec), 422)
                self.assertTrue(p["detail"].startswith("delay cannot be given with run_at"), p)
        batch = {"jobs": [{"type": "noop"}, {"type": "noop", "delay": -3}]}
        p = self.must_problem(self.server.submit(batch, path="/api/v1/jobs/batch"), 422)
        self.assertTrue(p["detail"].startswith("jobs[1].delay must be"), p)
        self.assertEqual(self.server.request("GET", "/health").status, 200)

    def test_an_overlong_key_in_the_list_filter_is_422(self):
        q = urllib.parse.urlencode({"idempotency_key": "k" * 256})
        p = self.must_problem(self.server.request("GET", f"/api/v1/jobs?{q}"), 422)
        self.assertIn("idempotency_key", p["detail"])


class UniqueWindowSqliteTest(UniqueWindowChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=["--idempotency-window", f"{WINDOW_S}s"])


class UniqueWindowPostgresTest(UniqueWindowChecks, ServerTestCase):
    # The window from the environment variable this time.
    SERVER_ARGS = dict(workers=1, env={"CONVEYOR_IDEMPOTENCY_WINDOW": f"{WINDOW_S}"})

    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = dict(cls.SERVER_ARGS,
                               store=pg_server.create_database(f"unique_window_{os.getpid()}"))
        super().setUpClass()


class IdempotencyWindowFlagTest(unittest.TestCase):
    def test_a_bad_window_stops_the_server_with_a_message(self):
        for bad in ("5x", "-1h", "1.5h"):
            with self.subTest(window=bad):
                r = subprocess.run([binary(), "serve", "--listen", "127.0.0.1:0",
                                    "--idempotency-window", bad],
                                   capture_output=True, text=True, timeout=30)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("idempotency-window", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
