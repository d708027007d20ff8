"""Dependencies end to end (docs/scheduling.md): on the real `conveyor serve`, a
chain of three jobs submitted in one batch ("$n" names the n-th item) runs strictly in order,
each BLOCKED until the one before it SUCCEEDED; a failure cancels the rest of the chain with the
reason; and bad references are refused with a 422 that names depends_on. The same tests run on
PostgreSQL (a throwaway server), with two nodes sharing it, so a job is released or cancelled by
whichever node finishes its dependency.
"""

import unittest
import uuid

import pg_server
from conveyor_harness import Server, ServerTestCase


def sleep_job(seconds, depends_on=(), queue="default"):
    return {"type": "sleep", "payload": {"seconds": seconds}, "depends_on": list(depends_on),
            "queue": queue}


class DependenciesTest(ServerTestCase):
    # Enough workers that only the dependencies can keep the chain in order.
    SERVER_ARGS = dict(workers=4)

    def submit_batch(self, specs, status=201):
        return self.must_json(self.server.request("POST", "/api/v1/jobs/batch", {"jobs": specs}),
                              status)["jobs"]

    def test_a_chain_of_three_in_one_batch_runs_in_order(self):
        s = self.server
        a, b, c = self.submit_batch([sleep_job(0.3), sleep_job(0.3, ["$0"]),
                                     sleep_job(0.3, ["$1"])])
        self.assertEqual([a["status"], b["status"], c["status"]],
                         ["PENDING", "BLOCKED", "BLOCKED"])
        self.assertEqual(b["depends_on"], [a["id"]])
        self.assertEqual(c["depends_on"], [b["id"]])
        done = [s.wait_for(j["id"], "SUCCEEDED", timeout=20.0) for j in (a, b, c)]
        # Each starts only after the one it depends on finished.
        self.assertLessEqual(done[0]["finished_at"], done[1]["started_at"])
        self.assertLessEqual(done[1]["finished_at"], done[2]["started_at"])
        tos = [(e["from"], e["to"], e["message"]) for e in s.events(c["id"])]
        self.assertEqual(tos[0][1], "BLOCKED", tos)
        self.assertIn(("BLOCKED", "PENDING", "dependencies succeeded"), tos)

    def test_a_failure_cancels_the_rest_of_the_chain_with_the_reason(self):
        s = self.server
        a, b, c = self.submit_batch([
            {"type": "fail", "payload": {"retryable": False}, "max_attempts": 1},
            sleep_job(0, ["$0"]), sleep_job(0, ["$1"])])
        s.wait_for(a["id"], "FAILED", timeout=20.0)
        gb = s.wait_for(b["id"], "CANCELLED", timeout=10.0)
        gc = s.wait_for(c["id"], "CANCELLED", timeout=10.0)
        self.assertEqual(gb["error"], f"dependency {a['id']} failed")
        self.assertEqual(gc["error"], f"dependency {b['id']} was cancelled")
        self.assertIsNone(gc["started_at"])
        # A later job depending on the failed one is accepted, and cancelled at once.
        late = self.must_submit(s, sleep_job(0, [a["id"]]))
        self.assertEqual(late["status"], "CANCELLED")
        self.assertEqual(late["error"], f"dependency {a['id']} failed")

    def test_a_dependency_on_an_existing_job_waits_for_it(self):
        s = self.server
        first = self.must_submit(s, sleep_job(0.5))
        second = self.must_submit(s, sleep_job(0, [first["id"]]))
        self.assertEqual(second["status"], "BLOCKED")
        done = s.wait_for(second["id"], "SUCCEEDED", timeout=20.0)
        self.assertLessEqual(s.wait_for(first["id"], "SUCCEEDED")["finished_at"],
                             done["started_at"])

    def test_bad_dependencies_get_a_422_naming_depends_on(self):
        s = self.server
        q = "deps-refused-" + uuid.uuid4().hex[:8]

        def batch(*specs):
            return s.request("POST", "/api/v1/jobs/batch", {"jobs": list(specs)})

        missing = str(uuid.uuid4())
        p = self.must_problem(s.submit(sleep_job(0, [missing], q)), 422)
        self.assertIn("depends_on", p["detail"])
        self.assertIn(missing, p["detail"])
        p = self.must_problem(batch(sleep_job(0, ["$1"], q), sleep_job(0, ["$0"], q)), 422)
        self.assertIn("depends_on", p["detail"])
        self.assertIn("cycle", p["detail"])
        p = self.must_problem(batch(sleep_job(0, [], q), sleep_job(0, ["$7"], q)), 422)
        self.assertIn("jobs[1].depends_on[0]", p["detail"])
        p = self.must_problem(batch(sleep_job(0, [], q), sleep_job(0, ["$1"], q)), 422)
        self.assertIn("itself", p["detail"])
        p = self.must_problem(s.submit(sleep_job(0, ["not-an-id"], q)), 422)
        self.assertIn("depends_on[0]", p["detail"])
        # Nothing of a refused batch was stored.
        listed = self.must_json(s.request("GET", f"/api/v1/jobs?queue={q}"), 200)
        self.assertEqual(listed.get("jobs", listed), [])


class DependenciesOnPostgresTest(DependenciesTest):
    SERVER_ARGS = None  # built in setUpClass, on the throwaway PostgreSQL

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pg = pg_server.PgServer().start()
        url = cls.pg.create_database("deps")
        # The API node has no workers: every job runs on the second node, which releases and
        # cancels the dependents the API node's clients submitted.
        cls.server = Server(workers=0, store=url, extra=["--node-name", "api"])
        cls.worker = Server(workers=4, store=url, extra=["--node-name", "work"])
        cls._class_servers += [cls.server, cls.worker]

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pg.destroy()


if __name__ == "__main__":
    unittest.main()
