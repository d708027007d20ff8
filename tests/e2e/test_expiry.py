"""Expiry end to end: a waiting job whose expires_at passes becomes EXPIRED on the real
`conveyor serve` (the leader's Expirer, woken at the expiry), records the transition in its
events, is never started, and its job.expired webhook reaches a real receiver over loopback. The checks run on SQLite (ExpiryTest) and on
PostgreSQL (ExpiryPostgresTest).
"""

import datetime
import json
import os
import unittest

import pg_server
from conveyor_harness import ServerTestCase
from webhook_receiver import ReceiverMixin


def rfc3339_in(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A declared external type with no worker polling for it: the job can only wait.
SERVER_ARGS = dict(workers=1, extra=["--external-types", "e2e.unserved"],
                   env={"WEBHOOK_RETRY_BACKOFF_BASE": "0.05"})


class ExpiryChecks(ReceiverMixin):
    """The checks, run against SERVER_ARGS' store by each concrete class below."""

    def test_waiting_job_expires_on_time_with_event_and_webhook(self):
        s = self.server
        job = self.must_submit(s, {
            "type": "e2e.unserved", "payload": {}, "expires_at": rfc3339_in(1.0),
            "webhook_url": f"http://127.0.0.1:{self.rx.port}/ok"})
        self.assertEqual(job["status"], "PENDING")
        # Generous bound (the machine is noisy); the expirer wakes at the expiry itself.
        done = s.wait_for(job["id"], "EXPIRED", timeout=5.0)
        self.assertIsNotNone(done["finished_at"])
        self.assertIsNone(done["started_at"])
        tos = [(e["from"], e["to"]) for e in s.events(job["id"])]
        self.assertEqual(tos[-1], ("PENDING", "EXPIRED"), tos)
        self.assertNotIn("RUNNING", [to for _, to in tos])
        got = s.wait_until(lambda: self.received(job["id"]), 10, "the job.expired webhook")
        body = json.loads(got[0]["body"])
        self.assertEqual(body["type"], "job.expired", body)
        self.assertEqual(got[0]["status"], 200)

    def test_job_with_a_later_expiry_keeps_waiting(self):
        s = self.server
        job = self.must_submit(s, {"type": "e2e.unserved", "payload": {},
                                   "expires_at": rfc3339_in(3600)})
        later = self.must_json(s.get_job(job["id"]), 200)
        self.assertEqual(later["status"], "PENDING")

    def test_a_scheduled_job_past_its_expiry_never_runs(self):
        # run_at before expires_at (the API's rule), but no worker serves it before the expiry.
        s = self.server
        job = self.must_submit(s, {"type": "e2e.unserved", "payload": {},
                                   "run_at": rfc3339_in(0.3), "expires_at": rfc3339_in(0.8)})
        done = s.wait_for(job["id"], "EXPIRED", timeout=5.0)
        self.assertEqual(done["attempt"], 0)


class ExpiryTest(ExpiryChecks, ServerTestCase):
    SERVER_ARGS = SERVER_ARGS


class ExpiryPostgresTest(ExpiryChecks, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = dict(SERVER_ARGS,
                               store=pg_server.create_database(f"expiry_{os.getpid()}"))
        super().setUpClass()


if __name__ == "__main__":
    unittest.main()
