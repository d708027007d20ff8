"""Seed 002 (the reliable job processing service, FastAPI + PostgreSQL + a polling worker): its
client, unchanged, against `conveyor serve --dialect completed` with MAX_RETRIES=3, which is what
a team coming from that stack sets (docs/api.md, "Coming from another stack").

The seed's client POSTs `{"type": "send_email", "payload": {...}, "idempotency_key", "priority",
"scheduled_at"}` to /jobs and reads job_id, status, attempts, error_message, scheduled_at,
started_at, finished_at; it waits for PENDING → PROCESSING → COMPLETED | FAILED (a retry reads
PENDING again, "attempts < max_attempts"), lists GET /jobs?status=PENDING|COMPLETED and reads
GET /admin/stats (status_breakdown, type_breakdown, avg_attempts_for_failed_jobs,
recent_failures). `send_email` runs as email.send against a local SMTP sink (seed_kit.SmtpSink);
a recipient the sink refuses with 451 makes the job retry 3 times after its first attempt.
Its curl lines run literally in test_seeds.py.
"""

import unittest
import uuid

from conveyor_harness import Server
from seed_kit import SeedClientTestCase, SmtpSink, poll, requests

WORDS = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")
BOUNCE = "bounce@example.com"


def completed_dialect_server(sink, workers=2):
    """`conveyor serve` as seed 002's team runs it: --dialect completed, MAX_RETRIES=3, mail via
    the sink; short retry backoff so the retries take a second, not minutes."""
    return Server(workers=workers,
                  extra=["--dialect", "completed", "--retry-base-ms", "100",
                         "--retry-cap-ms", "300"],
                  env={"MAX_RETRIES": "3", "SMTP_URL": sink.url,
                       "SMTP_FROM": "noreply@example.com"})


class Seed002ClientTest(SeedClientTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink(refuse=[BOUNCE])
        cls.addClassCleanup(cls.sink.close)  # runs even when the server fails to start
        cls.server = completed_dialect_server(cls.sink)
        cls._class_servers.append(cls.server)

    def create(self, **fields):
        return requests.post(self.url("/jobs"), json=fields)

    def email(self, to="user@example.com", **extra):
        r = self.create(type="send_email", payload={
            "to": to, "subject": "Welcome!", "body": "Thanks for signing up"},
            idempotency_key=f"signup-email-{uuid.uuid4().hex[:10]}", priority=5, **extra)
        self.assertEqual(r.status_code, 201, r)
        return r.json()

    def wait_finished(self, job_id):
        last, seen = poll(lambda: requests.get(self.url(f"/jobs/{job_id}")).json(),
                          lambda job: job["status"] in ("COMPLETED", "FAILED"), words=WORDS)
        statuses = [j["status"] for j in seen]
        self.assertTrue(set(statuses) <= set(WORDS), f"foreign words: {statuses}")
        return last

    def test_send_email_created_then_polled_until_completed(self):
        job = self.email()
        self.assertEqual((job["type"], job["status"], job["priority"], job["attempts"]),
                         ("send_email", "PENDING", 5, 0))
        self.assertEqual(job["payload"]["to"], "user@example.com")
        self.assertTrue(job["idempotency_key"].startswith("signup-email-"))
        for empty in ("started_at", "finished_at", "error_message", "result"):
            self.assertIsNone(job[empty], f"{empty} of a new job: {job}")
        self.assertTrue(job["created_at"] and job["updated_at"], job)
        self.assertIn("scheduled_at", job)
        self.assertEqual(job["max_attempts"], 4, "MAX_RETRIES=3: 3 retries after the first try")
        done = self.wait_finished(job["job_id"])
        self.assertEqual(done["status"], "COMPLETED", done)
        self.assertEqual((done["attempts"], done["error_message"]), (1, None))
        self.assertTrue(done["started_at"] and done["finished_at"], done)
        mail = [m for m in self.sink.received() if "user@example.com" in m["to"]]
        self.assertTrue(mail, "the sink got the mail")
        self.assertIn("Subject: Welcome!", mail[-1]["data"])

    def test_same_idempotency_key_returns_the_existing_job(self):
        body = {"type": "send_email", "idempotency_key": f"signup-{uuid.uuid4().hex[:10]}",
                "payload": {"to": "user@example.com", "subject": "Hi", "body": "x"}}
        first = self.create(**body)
        self.assertEqual(first.status_code, 201, first)
        again = self.create(**body)
        self.assertEqual(again.status_code, 200, again)
        self.assertEqual(again.json()["job_id"], first.json()["job_id"])

    def test_refused_mail_retries_three_times_then_failed(self):
        refused_before = len(self.sink.refused)
        job = self.email(to=BOUNCE)
        done = self.wait_finished(job["job_id"])
        self.assertEqual(done["status"], "FAILED", done)
        self.assertEqual(done["attempts"], 4, "1 + MAX_RETRIES attempts")
        self.assertIn("451", done["error_message"])
        self.assertTrue(done["finished_at"], done)
        self.assertEqual(len(self.sink.refused) - refused_before, 4, "four SMTP sessions")

    def test_admin_stats_in_seed_words_with_the_failure(self):
        job = self.email(to=BOUNCE)
        self.assertEqual(self.wait_finished(job["job_id"])["status"], "FAILED")
        stats = requests.get(self.url("/admin/stats")).json()
        self.assertEqual(set(stats["status_breakdown"]), set(WORDS), stats)
        self.assertGreaterEqual(stats["status_breakdown"]["FAILED"], 1)
        self.assertGreaterEqual(stats["type_breakdown"]["send_email"], 1)
        avg = stats["avg_attempts_for_failed_jobs"]
        self.assertTrue(isinstance(avg, (int, float)) and not isinstance(avg, bool), stats)
        mine = [f for f in stats["recent_failures"] if f["job_id"] == job["job_id"]]
        self.assertEqual(len(mine), 1, stats["recent_failures"])
        self.assertEqual(set(mine[0]), {"job_id", "type", "error", "attempts", "failed_at"})
        self.assertEqual((mine[0]["type"], mine[0]["attempts"]), ("send_email", 4))
        self.assertIn("451", mine[0]["error"])

    def test_scheduled_job_waits_pending_and_lists_under_pending(self):
        job = self.email(scheduled_at="2099-02-01T15:00:00")
        self.cancel_at_end(self.server, job["job_id"])
        self.assertEqual(job["status"], "PENDING")
        self.assertTrue(job["scheduled_at"].startswith("2099-02-01T15:00:00"), job)
        listed = requests.get(self.url("/jobs"), params={"status": "PENDING", "limit": 1000})
        jobs = listed.json()["jobs"]
        self.assertIn(job["job_id"], [j["job_id"] for j in jobs])
        self.assertEqual({j["status"] for j in jobs}, {"PENDING"})

    def test_completed_filter_lists_only_completed(self):
        job = self.email()
        self.wait_finished(job["job_id"])
        jobs = requests.get(self.url("/jobs?status=COMPLETED&limit=1000")).json()["jobs"]
        self.assertIn(job["job_id"], [j["job_id"] for j in jobs])
        self.assertEqual({j["status"] for j in jobs}, {"COMPLETED"})

    def test_priority_one_is_taken_before_priority_ten(self):
        # An API-only server of the same settings, its jobs taken with the worker route: the
        # store's claim order (the pool claims in the same order) without the pool's prefetch
        # timing in the way.
        server = self.new_server(workers=0, extra=["--dialect", "completed"])
        ids = {}
        for priority in (10, 1):  # the low-priority job first
            r = requests.post(self.url("/jobs", server), json={
                "type": "noop", "payload": {}, "priority": priority})
            self.assertEqual(r.status_code, 201, r)
            self.assertEqual(r.json()["priority"], priority)
            ids[priority] = r.json()["job_id"]
        taken = []
        for _ in range(2):
            r = requests.post(self.url("/leases", server), json={
                "worker_id": "e2e-seed002", "types": ["noop"], "max": 1, "wait_s": 0})
            self.assertEqual(r.status_code, 200, r)
            taken += [j["id"] for j in r.json()["jobs"]]
        self.assertEqual(taken, [ids[1], ids[10]], "priority 1 is the most urgent in seed 002")

    def test_generate_report_runs_and_keeps_its_name(self):
        r = self.create(type="generate_report", payload={})
        self.assertEqual(r.status_code, 201, r)
        done = self.wait_finished(r.json()["job_id"])
        self.assertEqual((done["status"], done["type"]), ("COMPLETED", "generate_report"))


if __name__ == "__main__":
    unittest.main()
