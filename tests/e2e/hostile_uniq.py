"""Issue 11, unique windows: a client that hammers one idempotency key right after its window
passed must get exactly one new job (every other caller the same job, 200), whichever store; a
client that probes GET /jobs?idempotency_key= with hostile keys (over-long, NUL bytes, odd
percent-encoding) gets 200/4xx answers and never a 5xx. While each runs, /health keeps answering
within its bound.

Against the real binary on SQLite and on PostgreSQL. (Imported by test_hostile_client.py.)
"""

import os
import threading
import time
import unittest
import urllib.parse

import pg_server
from conveyor_harness import HealthProber, Server, slow

WINDOW_S = 1
CALLERS = 16
ROUNDS = 3
PROBES = 300


class HostileUniqueWindowChecks:
    STORE = None  # None: the Server's own SQLite file

    def setUp(self):
        self.server = Server(workers=1, store=self.store_url(),
                             extra=["--idempotency-window", f"{WINDOW_S}s"])
        self.addCleanup(self.server.close)

    def store_url(self):
        return None

    def _race(self, spec):
        answers, barrier = [], threading.Barrier(CALLERS)

        def call():
            try:
                barrier.wait(timeout=30)
                r = self.server.submit(spec, headers={"Connection": "close"})
                answers.append((r.status, r.body.get("id") if isinstance(r.body, dict) else r))
            except Exception as e:  # noqa: BLE001 - a hang or reset is a finding
                answers.append((repr(e), None))

        threads = [threading.Thread(target=call) for _ in range(CALLERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60 * slow())
        self.assertFalse(any(t.is_alive() for t in threads), "a submit never returned")
        return answers

    def test_a_stampede_on_an_expired_key_makes_exactly_one_new_job(self):
        key = f"stampede-{time.monotonic_ns()}"
        spec = {"type": "noop", "idempotency_key": key}
        held = []
        with HealthProber(self.server, bound_s=5.0) as prober:
            for _ in range(ROUNDS):
                time.sleep(WINDOW_S + 0.5)  # the current holder's window is over
                answers = self._race(spec)
                statuses = sorted(s for s, _ in answers)
                self.assertEqual(statuses, [200] * (CALLERS - 1) + [201], answers)
                ids = {i for _, i in answers}
                self.assertEqual(len(ids), 1, answers)
                held.append(ids.pop())
        prober.check(self)
        self.assertEqual(len(set(held)), ROUNDS, "each round must make its own job")
        q = urllib.parse.urlencode({"idempotency_key": key})
        listed = self.server.request("GET", f"/api/v1/jobs?{q}").body
        self.assertEqual([j["id"] for j in listed["jobs"]], [held[-1]])
        self.assertEqual(self.server.server_errors(), [], "a 5xx was answered")

    def test_hostile_keys_in_the_list_filter_never_get_a_5xx(self):
        raw = ["k" * 255, "k" * 256, "k" * 100000, "%00", "a%00b", "%", "%zz", "%C3%28",
               "%F0%9F%92%A9", "'%20OR%201=1%20--", "%22%5D%7D", "+++", "%2B", "a&idempotency_key=b"]
        deadline = time.monotonic() + 60 * slow()
        with HealthProber(self.server, bound_s=5.0) as prober:
            for i in range(PROBES):
                if time.monotonic() > deadline:
                    break
                key = raw[i % len(raw)]
                r = self.server.request("GET", f"/api/v1/jobs?idempotency_key={key}")
                self.assertIn(r.status, (200, 400, 414, 422, 431), f"{key[:40]!r}: {r!r}")
                if r.status == 200:
                    self.assertLessEqual(len(r.body["jobs"]), 1, r)
        prober.check(self)
        self.assertEqual(self.server.server_errors(), [], "a 5xx was answered")


class HostileUniqueWindowSqliteTest(HostileUniqueWindowChecks, unittest.TestCase):
    pass


class HostileUniqueWindowPostgresTest(HostileUniqueWindowChecks, unittest.TestCase):
    def store_url(self):
        return pg_server.create_database(f"hostile_uniq_{os.getpid()}")


if __name__ == "__main__":
    unittest.main()
