"""Hostile clients of dependencies (issue 11), against the real binary; a prober checks /health
keeps answering within 5 s throughout (imported by test_hostile_client.py).

- The longest chain one request can make (1,000 jobs, each depending on the one before, "$i")
  whose head fails: the cascade cancels all 999 in the failing transaction, level by level. It
  must end, leave no job BLOCKED, and keep the server answering.
- A 1,000-job cycle, 101 dependencies, a reference past the batch, a non-id: each is a 422
  naming depends_on, answered within seconds, storing nothing.
"""

import time
import unittest
import uuid

from conveyor_harness import HealthProber, ServerTestCase, slow

CHAIN = 1000  # kMaxBatchJobs


class HostileDependenciesTest(ServerTestCase):
    SERVER_ARGS = dict(workers=2)

    def batch(self, jobs, timeout=60.0):
        return self.server.request("POST", "/api/v1/jobs/batch", {"jobs": jobs}, timeout=timeout)

    def test_the_longest_chain_cancels_entirely_when_its_head_fails(self):
        q = "hostile-chain-" + uuid.uuid4().hex[:8]
        jobs = [{"type": "fail", "payload": {"retryable": False}, "max_attempts": 1, "queue": q}]
        jobs += [{"type": "noop", "payload": {}, "queue": q, "depends_on": ["$%d" % (i - 1)]}
                 for i in range(1, CHAIN)]
        with HealthProber(self.server) as prober:
            body = self.must_json(self.batch(jobs), 201)
            ids = [j["id"] for j in body["jobs"]]
            self.server.wait_for(ids[0], "FAILED", timeout=30.0)
            last = self.server.wait_for(ids[-1], "CANCELLED", timeout=30.0)
            self.assertEqual(last["error"], "dependency %s was cancelled" % ids[-2])
            blocked = self.must_json(self.server.request(
                "GET", "/api/v1/jobs?status=BLOCKED&queue=%s" % q), 200)["jobs"]
            self.assertEqual(blocked, [])
        prober.check(self)
        self.assertEqual(self.server.server_errors(), [])

    def test_bad_graphs_are_refused_quickly_and_store_nothing(self):
        q = "hostile-bad-" + uuid.uuid4().hex[:8]
        cycle = [{"type": "noop", "queue": q, "depends_on": ["$%d" % ((i + 1) % CHAIN)]}
                 for i in range(CHAIN)]
        too_many = [{"type": "noop", "queue": q,
                     "depends_on": [str(uuid.uuid4()) for _ in range(101)]}]
        past = [{"type": "noop", "queue": q, "depends_on": ["$1000"]}]
        not_id = [{"type": "noop", "queue": q, "depends_on": ["../../etc/passwd"]}]
        with HealthProber(self.server) as prober:
            for jobs in (cycle, too_many, past, not_id):
                t0 = time.monotonic()
                p = self.must_problem(self.batch(jobs), 422)
                self.assertIn("depends_on", p["detail"])
                self.assertLess(time.monotonic() - t0, 10 * slow(), "a refusal took too long")
        prober.check(self)
        listed = self.must_json(self.server.request("GET", "/api/v1/jobs?queue=%s" % q), 200)
        self.assertEqual(listed["jobs"], [])


if __name__ == "__main__":
    unittest.main()
