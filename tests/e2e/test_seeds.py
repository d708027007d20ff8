"""The seed READMEs' curl examples, run literally with `curl` against `conveyor serve`.

Only the port in the URL changes (8000 or 3001 → the server's free port), and placeholders such
as <job_id> are filled with the id the previous command returned. The commands are copied
verbatim from /work/shared/seeds/ (002 and 004 carry curl examples; 001 and 003 show HTTP
requests, run here as the curl a reader would type for them). Seed 000's are in
test_seed000.py. Each seed's answers are read in that seed's words (its dialect); seed 002's
run against `--dialect completed` with MAX_RETRIES=3, as its team would start Conveyor.
"""

import json
import os
import shutil
import tempfile
import unittest

from conveyor_harness import Server, is_uuid
from seed_kit import Curl, SeedClientTestCase, SmtpSink, poll, raw_number

SUCCESS_WORDS = ("PENDING", "IN_PROGRESS", "SUCCESS", "FAILED")
COMPLETED_WORDS = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")
QUEUED_WORDS = ("queued", "running", "succeeded", "failed", "cancelled", "expired", "retrying")

SEED_004_SUBMIT = """curl -X POST http://localhost:8000/jobs/ \\
  -H "Content-Type: application/json" \\
  -d '{"data": [2, 3], "operation": "cube_sum"}'"""
SEED_004_STATUS = "curl http://localhost:8000/jobs/<job_id>/status"
SEED_004_RESULT = "curl http://localhost:8000/jobs/<job_id>/result"

SEED_002_SUBMIT = """curl -X POST http://localhost:8000/jobs \\
  -H "Content-Type: application/json" \\
  -d '{
    "type": "send_email",
    "payload": {
      "to": "user@example.com",
      "subject": "Welcome!",
      "body": "Thanks for signing up"
    },
    "idempotency_key": "signup-email-user123",
    "priority": 5,
    "scheduled_at": "2026-02-01T15:00:00"
  }'"""
SEED_002_GET_ONE = "curl http://localhost:8000/jobs/1"
SEED_002_LIST_ALL = "curl http://localhost:8000/jobs"
SEED_002_LIST_PENDING = "curl http://localhost:8000/jobs?status=PENDING"
SEED_002_LIST_COMPLETED = "curl http://localhost:8000/jobs?status=COMPLETED"
SEED_002_HEALTH = "curl http://localhost:8000/health"
SEED_002_STATS = "curl http://localhost:8000/admin/stats"

# seed 001 has no curl lines, only the route and body; this is the curl a reader would type.
SEED_001_SUBMIT = """curl -X POST http://localhost:8000/api/v1/jobs/ \\
  -H "Content-Type: application/json" \\
  -d '{"data": [1, 2, 3, 4, 5], "operation": "square_sum"}'"""
SEED_001_STATUS = "curl http://localhost:8000/api/v1/jobs/<job_id>/status"
SEED_001_RESULT = "curl http://localhost:8000/api/v1/jobs/<job_id>/result"
SEED_001_HEALTH = "curl http://localhost:8000/health"
# seed 003: its List Jobs example, and its headers on a create
SEED_003_LIST = "curl 'http://localhost:8000/api/v1/jobs?status=running&limit=10&offset=0'"
# seed 003's HTTP examples (its API on port 3001), as curl; the body is the README's, verbatim.
SEED_003_CREATE = """curl -X POST http://localhost:3001/api/v1/jobs \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: unique-key-123" \\
  -H "X-Correlation-Id: request-123" \\
  -d '{
  "task": "validate_csv_job",
  "params": {
    "input_uri": "s3://bucket/file.csv",
    "marketplace": "mercado_livre",
    "category": "electronics",
    "ruleset": "default",
    "auto_fix": true
  },
  "priority": 5,
  "plan": "pro",
  "idempotency_key": "upload-xyz-123"
}'"""
SEED_003_GET = "curl http://localhost:3001/api/v1/jobs/<job_id>"
SEED_003_RESULT = "curl http://localhost:3001/api/v1/jobs/<job_id>/result"
SEED_003_CANCEL = "curl -X DELETE http://localhost:3001/api/v1/jobs/<job_id>"
SEED_003_LIST_3001 = "curl 'http://localhost:3001/api/v1/jobs?status=running&limit=10&offset=0'"


class SeedCurlTest(SeedClientTestCase):
    """Seeds 004 and 001: the `success` dialect (SUCCESS, operation; 004's plain-number result,
    001's nested one)."""

    SERVER_ARGS = dict(workers=2)

    def wait_status(self, command, job_id, want):
        return poll(lambda: self.curl.json(command, job_id=job_id),
                    lambda b: b.get("status") == want, words=SUCCESS_WORDS)[0]

    def test_seed_004_curl_examples(self):
        code, job = self.curl.run(SEED_004_SUBMIT)
        self.assertEqual(code, 201, job)
        self.assertTrue(is_uuid(job.get("job_id")), f"submit answer: {job}")
        self.assertEqual(job["status"], "PENDING")
        st = self.wait_status(SEED_004_STATUS, job["job_id"], "SUCCESS")
        self.assertEqual(st["job_id"], job["job_id"])
        res = self.curl.json(SEED_004_RESULT, job_id=job["job_id"])
        self.assertEqual((res["job_id"], res["status"], res["result"]),
                         (job["job_id"], "SUCCESS", 35.0))
        self.assertIsInstance(res["result"], float, "the seed's float")

    def test_seed_004_result_prints_as_the_seed_shows(self):
        _, job = self.curl.run(SEED_004_SUBMIT)
        self.wait_status(SEED_004_STATUS, job["job_id"], "SUCCESS")
        text = self.curl.text(SEED_004_RESULT, job_id=job["job_id"])
        self.assertEqual(raw_number(text, "result"), "35.0", text)

    def test_seed_001_shape_with_curl(self):
        code, job = self.curl.run(SEED_001_SUBMIT)
        self.assertEqual(code, 201, job)
        self.assertTrue(is_uuid(job.get("id")), f"submit answer: {job}")
        self.assertEqual((job["status"], job["operation"]), ("PENDING", "square_sum"))
        st = self.wait_status(SEED_001_STATUS, job["id"], "SUCCESS")
        self.assertEqual(st["operation"], "square_sum")
        res = self.curl.json(SEED_001_RESULT, job_id=job["id"])
        self.assertEqual((res["status"], res["result"]), ("SUCCESS", {"result": 55, "error": None}))
        self.assertEqual(self.curl.json(SEED_001_HEALTH), {"status": "ok"})

    def test_seed_003_list_with_curl(self):
        sleeper = self.must_submit(self.server, {"type": "sleep", "payload": {"seconds": 30}})
        self.cancel_at_end(self.server, sleeper["id"])
        self.server.wait_for(sleeper["id"], "RUNNING")
        body = self.curl.json(SEED_003_LIST)
        self.assertEqual(body["limit"], 10)
        self.assertIn(sleeper["id"], [j["id"] for j in body["jobs"]])
        self.assertEqual({j["status"] for j in body["jobs"]}, {"RUNNING"},
                         "a canonical job keeps Conveyor's words")
        self.must_json(self.server.request("DELETE", f"/api/v1/jobs/{sleeper['id']}"), 200)
        self.server.wait_for(sleeper["id"], "CANCELLED", timeout=10)


class Seed002CurlTest(SeedClientTestCase):
    """Seed 002's curl lines against `--dialect completed`, MAX_RETRIES=3, mail to a sink."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink()
        cls.addClassCleanup(cls.sink.close)
        # e2e.later is declared for an external worker that never comes: a job that stays
        # PENDING, for the seed's "Only pending jobs" line.
        cls.server = Server(workers=2, extra=["--dialect", "completed",
                                              "--external-types", "e2e.later"],
                            env={"MAX_RETRIES": "3", "SMTP_URL": cls.sink.url,
                                 "SMTP_FROM": "noreply@example.com"})
        cls._class_servers.append(cls.server)

    def test_seed_002_curl_examples(self):
        code, created = self.curl.run(SEED_002_SUBMIT)
        self.assertEqual(code, 201, created)
        self.assertEqual((created["type"], created["status"], created["idempotency_key"],
                          created["priority"], created["attempts"]),
                         ("send_email", "PENDING", "signup-email-user123", 5, 0))
        for member in ("job_id", "payload", "created_at", "updated_at", "scheduled_at",
                       "started_at", "finished_at", "error_message", "result"):
            self.assertIn(member, created)
        self.assertEqual(created["max_attempts"], 4, "MAX_RETRIES=3 retries after the first")
        again = self.curl.json(SEED_002_SUBMIT)
        self.assertEqual(again["job_id"], created["job_id"], "the same idempotency key")
        done = poll(lambda: self.curl.json("curl http://localhost:8000/jobs/<job_id>",
                                           job_id=created["job_id"]),
                    lambda b: b["status"] in ("COMPLETED", "FAILED"), words=COMPLETED_WORDS)[0]
        self.assertEqual((done["status"], done["attempts"]), ("COMPLETED", 1), done)
        self.assertTrue(any("user@example.com" in m["to"] for m in self.sink.received()))
        # the seed's "GET /jobs/1": integer ids do not exist in Conveyor → a clear 400
        code, one = self.curl.run(SEED_002_GET_ONE)
        self.assertEqual((code, one.get("status")), (400, 400), one)
        self.assertIn("uuid", one.get("detail", "").lower())
        pending = self.server.submit({"type": "e2e.later", "payload": {}})
        self.must_status(pending, 201)
        self.cancel_at_end(self.server, pending.body["id"])
        all_jobs = self.curl.json(SEED_002_LIST_ALL)["jobs"]
        self.assertTrue({created["job_id"], pending.body["id"]} <= {j["job_id"] for j in all_jobs})
        completed = self.curl.json(SEED_002_LIST_COMPLETED)["jobs"]
        self.assertIn(created["job_id"], [j["job_id"] for j in completed])
        self.assertEqual({j["status"] for j in completed}, {"COMPLETED"})
        listed_pending = self.curl.json(SEED_002_LIST_PENDING)["jobs"]
        self.assertIn(pending.body["id"], [j["job_id"] for j in listed_pending])
        self.assertEqual({j["status"] for j in listed_pending}, {"PENDING"})
        self.assertEqual(self.curl.json(SEED_002_HEALTH), {"status": "ok"})
        stats = self.curl.json(SEED_002_STATS)
        self.assertEqual(set(stats["status_breakdown"]),
                         {"PENDING", "PROCESSING", "COMPLETED", "FAILED"})
        self.assertGreaterEqual(stats["status_breakdown"]["COMPLETED"], 1)
        self.assertGreaterEqual(stats["type_breakdown"]["send_email"], 1)
        self.assertIn("avg_attempts_for_failed_jobs", stats)
        self.assertIsInstance(stats["recent_failures"], list)


class Seed003CurlTest(SeedClientTestCase):
    """Seed 003's HTTP examples as curl, on a server whose --input-dir holds the CSV."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="conveyor-seed003-curl-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        rules = os.path.join(cls.dir, "rules.json")
        with open(rules, "w") as f:
            json.dump({"rulesets": {"default": {"columns": [{"name": "sku",
                                                             "required": True}]}}}, f)
        cls.csv = os.path.join(cls.dir, "file.csv")
        with open(cls.csv, "w") as f:
            f.write("sku\nABC-1\n")
        cls.server = Server(workers=2, extra=["--input-dir", cls.dir, "--rulesets-file", rules,
                                              "--data-dir", os.path.join(cls.dir, "data")])
        cls._class_servers.append(cls.server)

    def test_seed_003_create_as_written_is_422_for_s3(self):
        # On a server of its own: were the example accepted, its key would taint the class's.
        code, problem = Curl(self, self.new_server(workers=0).port).run(SEED_003_CREATE)
        self.assertEqual(code, 422, problem)
        self.assertIn("s3", problem["detail"].lower())

    def test_seed_003_http_examples_with_curl(self):
        create = SEED_003_CREATE.replace("s3://bucket/file.csv", self.csv)
        code, job = self.curl.run(create)
        self.assertEqual(code, 202, job)
        self.assertEqual((job["task_name"], job["status"], job["progress"]),
                         ("validate_csv_job", "queued", 0))
        self.assertEqual((job["idempotency_key"], job["correlation_id"]),
                         ("unique-key-123", "request-123"))
        self.assertTrue(job["warnings"], "the body's key was ignored: the answer says so")
        done = poll(lambda: self.curl.json(SEED_003_GET, job_id=job["id"]),
                    lambda b: b["status"] in ("succeeded", "failed", "cancelled", "expired"),
                    words=QUEUED_WORDS)[0]
        self.assertEqual(done["status"], "succeeded", done)
        res = self.curl.json(SEED_003_RESULT, job_id=job["id"])
        self.assertEqual((res["job_id"], res["status"]), (job["id"], "succeeded"))
        self.assertTrue(res["result_ref"] and res["finished_at"], res)
        self.assertEqual(self.curl.json(create)["id"], job["id"], "the replay returns the job")
        # Cancel and list: a long job, submitted in the seed's shape.
        sleeper = self.curl.json(
            "curl -X POST http://localhost:3001/api/v1/jobs -H 'Content-Type: application/json' "
            "-d '{\"task\": \"sleep\", \"params\": {\"seconds\": 60}}'")
        self.cancel_at_end(self.server, sleeper["id"])
        poll(lambda: self.curl.json(SEED_003_GET, job_id=sleeper["id"]),
             lambda b: b["status"] == "running", words=QUEUED_WORDS)
        listed = self.curl.json(SEED_003_LIST_3001)
        self.assertIn(sleeper["id"], [j["id"] for j in listed["jobs"]])
        self.assertEqual({j["status"] for j in listed["jobs"]}, {"running"})
        code, _ = self.curl.run(SEED_003_CANCEL, job_id=sleeper["id"])
        self.assertIn(code, (200, 202))
        cancelled = poll(lambda: self.curl.json(SEED_003_GET, job_id=sleeper["id"]),
                         lambda b: b["status"] not in ("queued", "running"),
                         words=QUEUED_WORDS)[0]
        self.assertEqual(cancelled["status"], "cancelled")


if __name__ == "__main__":
    unittest.main()
