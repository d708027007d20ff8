"""Leases: a job running when the process is killed -9 is rescued after restart; SIGTERM is
graceful (exit 0) and loses nothing."""

import unittest

from conveyor_harness import ServerTestCase

LEASE_FLAGS = ["--lease-s", "1", "--rescue-interval-ms", "200",
               "--retry-base-ms", "100", "--retry-cap-ms", "500"]


class LeaseRescueTest(ServerTestCase):

    def test_kill9_running_job_is_rescued_with_a_new_attempt(self):
        s = self.new_server(workers=2, extra=LEASE_FLAGS)
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30},
                                   "max_attempts": 5})
        running = s.wait_for(job["id"], "RUNNING")
        self.assertEqual(running["attempt"], 1)
        s.kill9()
        s.start()
        # the lease (1 s) expires; the rescuer (every 200 ms) counts the lost attempt and the
        # job runs again as attempt 2
        again = s.wait_until(
            lambda: (lambda j: j if j["status"] == "RUNNING" and j["attempt"] >= 2 else None)(
                self.must_json(s.get_job(job["id"]), 200)),
            20, "the job to be rescued and run again")
        self.assertGreaterEqual(again["attempt"], 2)
        tos = [e["to"] for e in s.events(job["id"])]
        self.assertGreaterEqual(tos.count("RUNNING"), 2, tos)
        # and it can still be cancelled on its new attempt
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        s.wait_for(job["id"], "CANCELLED", timeout=10)

    def test_kill9_short_job_is_rescued_and_succeeds(self):
        s = self.new_server(workers=2, extra=LEASE_FLAGS)
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 3},
                                   "max_attempts": 5})
        s.wait_for(job["id"], "RUNNING")
        s.kill9()
        s.start()
        done = s.wait_for(job["id"], "SUCCEEDED", timeout=30)
        self.assertGreaterEqual(done["attempt"], 2, "the killed attempt must count")
        self.assertEqual(done["result"], {"slept_s": 3})

    def test_lost_attempts_count_towards_max_attempts(self):
        s = self.new_server(workers=1, extra=LEASE_FLAGS)
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 30},
                                   "max_attempts": 1})
        s.wait_for(job["id"], "RUNNING")
        s.kill9()
        s.start()
        done = s.wait_for(job["id"], "FAILED", timeout=20)
        self.assertEqual(done["attempt"], 1)
        self.assertIsNotNone(done["error"], "a dead-lettered rescue says why")

    def test_sigterm_is_graceful_and_loses_nothing(self):
        s = self.new_server(workers=2, extra=LEASE_FLAGS)
        job = self.must_submit(s, {"type": "sleep", "payload": {"seconds": 1.5}})
        waiting = [self.must_submit(s, {"type": "square_sum", "payload": {"data": [i]},
                                        "run_at": "2099-01-01T00:00:00Z"})["id"]
                   for i in range(3)]
        s.wait_for(job["id"], "RUNNING")
        code = s.stop(timeout=30)
        self.assertEqual(code, 0, f"SIGTERM must exit 0; log:\n{s.log_tail(20)}")
        s.start()
        done = s.wait_for(job["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["result"], {"slept_s": 1.5})
        for jid in waiting:
            self.assertEqual(self.must_json(s.get_job(jid), 200)["status"], "SCHEDULED")

    def test_sigterm_while_idle_exits_0_and_restart_keeps_jobs(self):
        s = self.new_server(workers=1)
        ids = [self.must_submit(s, {"type": "cube_sum", "payload": {"data": [i]}})["id"]
               for i in range(5)]
        for i, jid in enumerate(ids):
            self.assertEqual(s.wait_for(jid, "SUCCEEDED")["result"], i ** 3)
        self.assertEqual(s.stop(), 0)
        s.start()
        for i, jid in enumerate(ids):
            job = self.must_json(s.get_job(jid), 200)
            self.assertEqual((job["status"], job["result"]), ("SUCCEEDED", i ** 3))
        self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
