"""Issue 10, /admin/stats: the statistics count jobs by type, which reads every job (seconds per
million on SQLite). A client that polls the route from many connections at once must neither
keep the store scanning nor slow the rest of the server: concurrent requests share one read
(runtime/job_stats_reader.h), and /health keeps answering within its bound throughout.

Against the real binary; a prober checks /health. (Imported by test_hostile_client.py.)
"""

import threading
import time
import unittest

from conveyor_harness import HealthProber, Server, scaled, slow

FLOOD_THREADS = 8
FLOOD_S = 5.0
MAX_REQUESTS_PER_THREAD = 400


class HostileAdminStatsTest(unittest.TestCase):
    def setUp(self):
        # No workers: the jobs stay PENDING, so every read counts all of them.
        self.server = Server(workers=0)
        self.addCleanup(self.server.close)
        self.jobs = 0
        for b in range(scaled(20)):
            batch = [{"type": "noop", "payload": {"n": i}} for i in range(1000)]
            if b % 2:
                batch = [{"type": "square_sum", "payload": {"data": [i]}} for i in range(1000)]
            r = self.server.request("POST", "/api/v1/jobs/batch", {"jobs": batch}, timeout=60)
            self.assertEqual(r.status, 201, r)
            self.jobs += len(batch)

    def _flood(self, answers, failures):
        deadline = time.monotonic() + FLOOD_S
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() >= deadline:
                return
            try:
                r = self.server.request("GET", "/admin/stats", timeout=30)
            except Exception as e:  # noqa: BLE001 - a timeout is a finding, not a crash
                failures.append(repr(e))
                continue
            if r.status != 200:
                failures.append(repr(r))
            else:
                answers.append(r.body)

    def test_a_stats_flood_is_answered_and_health_keeps_answering(self):
        answers, failures = [], []
        with HealthProber(self.server, bound_s=5.0) as prober:
            threads = [threading.Thread(target=self._flood, args=(answers, failures))
                       for _ in range(FLOOD_THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=FLOOD_S + 60 * slow())
            self.assertFalse(any(t.is_alive() for t in threads), "a stats request never returned")
        prober.check(self)
        self.assertEqual(failures, [])
        self.assertGreater(len(answers), 0)
        for body in answers:
            self.assertEqual(body["total"], self.jobs)
            self.assertEqual(sum(body["type_breakdown"].values()), self.jobs)
        self.assertEqual(self.server.server_errors(), [], "a 5xx was answered")


if __name__ == "__main__":
    unittest.main()
