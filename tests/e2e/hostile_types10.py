"""Hostile clients against the served-type rule (issue 10, "no silent forever"), against the
real binary, each while a prober checks that GET /health is answered within a bound:

- a client names thousands of junk types in POST /leases to grow the node's memory of learned
  types: at most 1,024 are remembered, later ones are refused at submit, and the types the
  operator declared (--external-types) keep working;
- a client sends batches of 1,000 long near-miss type names, so that every item would need
  suggestions: the first refused item ends the request (one 422, one item's suggestions), and
  the answer comes within a bound of seconds.
"""

import time
import unittest
import uuid

from conveyor_harness import HealthProber, ServerTestCase, slow

MAX_LEARNED = 1024


class HostileLearnedTypesFlood(ServerTestCase):
    SERVER_ARGS = dict(workers=0, extra=["--external-types", "declared.*"])

    def test_lease_type_flood_is_bounded_and_declared_types_still_work(self):
        s = self.server
        tag = uuid.uuid4().hex[:8]
        with HealthProber(s) as prober:
            # 15 leases of 100 names each: 1,500 names, more than the 1,024 remembered.
            for i in range(15):
                names = [f"junk{tag}.{i}.{j}" for j in range(100)]
                r = s.request("POST", "/api/v1/leases", {"worker_id": "flood", "types": names})
                self.must_json(r, 200)
            first = self.must_submit(s, {"type": f"junk{tag}.0.0", "payload": {}})
            self.assertEqual(first["status"], "PENDING", "a remembered type is served")
            self.must_problem(s.submit({"type": f"junk{tag}.14.99", "payload": {}}), 422,
                              detail_contains="not served")
            self.must_submit(s, {"type": "declared.anything", "payload": {}})
            self.must_submit(s, {"type": "noop", "payload": {}})
        prober.check(self)

    def test_bound_is_exactly_the_documented_one(self):
        # A fresh server: names 0..1023 are remembered, 1024 and later are not.
        s = self.new_server(workers=0)
        tag = uuid.uuid4().hex[:8]
        names = [f"b{tag}.{n}" for n in range(MAX_LEARNED + 50)]
        for start in range(0, len(names), 100):
            self.must_json(s.request("POST", "/api/v1/leases",
                                     {"worker_id": "w", "types": names[start:start + 100]}), 200)
        self.must_submit(s, {"type": names[MAX_LEARNED - 1], "payload": {}})
        self.must_problem(s.submit({"type": names[MAX_LEARNED], "payload": {}}), 422)


class HostileNearMissBatch(ServerTestCase):
    SERVER_ARGS = dict(workers=0)

    def test_batches_of_long_near_miss_types_are_refused_quickly(self):
        s = self.server
        # 127-character names one letter off a 128-character declared-looking name: each would
        # be a near miss of the others if suggestions were computed per item.
        base = "a" * 127
        jobs = [{"type": base[:i] + "b" + base[i + 1:], "payload": {}} for i in range(120)]
        jobs = (jobs * 9)[:1000]
        with HealthProber(s) as prober:
            for _ in range(5):
                t0 = time.monotonic()
                r = s.request("POST", "/api/v1/jobs/batch", {"jobs": jobs}, timeout=30)
                took = time.monotonic() - t0
                p = self.must_problem(r, 422, detail_contains="jobs[0].type")
                self.assertLess(took, 5 * slow(), f"a refused batch took {took:.1f}s")
                self.assertLess(len(p["detail"]), 2000, "one item's message, bounded")
        prober.check(self)
        listing = self.must_json(s.request("GET", "/api/v1/jobs?limit=10"), 200)
        self.assertEqual(listing["jobs"], [], "nothing of a refused batch is stored")


if __name__ == "__main__":
    unittest.main()
