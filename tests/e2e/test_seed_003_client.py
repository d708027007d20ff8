"""Seed 003 (ValidaHub's jobs, FastAPI + Celery + Redis): its client, unchanged, against
`conveyor serve`.

The seed's client POSTs `{"task", "params", "priority", "plan", "idempotency_key"}` to
/api/v1/jobs (with `Idempotency-Key` and `X-Correlation-Id` headers), expects 202 Accepted with
`id`, `task_name`, `status: "queued"`, `progress`, `created_at`; polls GET /api/v1/jobs/{id}
(lower-case queued/running/succeeded/failed/cancelled/expired/retrying, `progress` a number,
`message`, `started_at`), reads GET /api/v1/jobs/{id}/result (`job_id`, `status: "succeeded"`,
`result_ref`, `finished_at`), cancels with DELETE and lists with
?status=running&limit=10&offset=0. Its queue table: `plan` routes the job to queue:<plan>, whose
weights (free 1, pro 5, business 7, enterprise 10) share the workers; a higher priority number
is more urgent within a queue. Its task names validate_csv_job,
correct_csv_job and generate_report_job run as csv.validate, csv.correct and report.generate
and keep their names. CSV inputs live in the server's --input-dir (docs/handlers.md); an s3://
input is refused with a 422 that says what is supported. The README's Python snippets are run
as written, only the host changed (their relative "test.csv" is read from <data-dir>/inputs).
"""

import json
import os
import shutil
import tempfile
import unittest

from conveyor_harness import Server, is_uuid
from seed_kit import SeedClientTestCase, poll, requests

WORDS = ("queued", "running", "succeeded", "failed", "cancelled", "expired", "retrying")
FINISHED = ("succeeded", "failed", "cancelled", "expired")
RULES = {"rulesets": {"default": {"columns": [
    {"name": "sku", "required": True, "type": "regex", "pattern": "[A-Z]{3}-[0-9]+"},
    {"name": "price", "type": "decimal", "min": 0}]}}}
CSV = "sku,price\nABC-1,12.50\nABC-2,3.00\n"

# The seed's Create Job example, verbatim.
SEED_HEADERS = {"Content-Type": "application/json", "Idempotency-Key": "unique-key-123",
                "X-Correlation-Id": "request-123"}
SEED_BODY = {
    "task": "validate_csv_job",
    "params": {
        "input_uri": "s3://bucket/file.csv",
        "marketplace": "mercado_livre",
        "category": "electronics",
        "ruleset": "default",
        "auto_fix": True
    },
    "priority": 5,
    "plan": "pro",
    "idempotency_key": "upload-xyz-123"
}


class Seed003ClientTest(SeedClientTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="conveyor-seed003-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        rules = os.path.join(cls.dir, "rules.json")
        with open(rules, "w") as f:
            json.dump(RULES, f)
        cls.csv = os.path.join(cls.dir, "test.csv")
        # The README's snippets send "test.csv": a relative path is read from <data-dir>/inputs.
        os.makedirs(os.path.join(cls.dir, "data", "inputs"))
        for path in (cls.csv, os.path.join(cls.dir, "data", "inputs", "test.csv")):
            with open(path, "w") as f:
                f.write(CSV)
        cls.server = Server(workers=2, extra=[
            "--input-dir", cls.dir, "--data-dir", os.path.join(cls.dir, "data"),
            "--rulesets-file", rules])
        cls._class_servers.append(cls.server)

    def api(self, path, server=None):
        return self.url("/api/v1" + path, server)

    def create(self, body, headers=None):
        return requests.post(self.api("/jobs"), json=body, headers=headers)

    def must_accept(self, body, headers=None):
        r = self.create(body, headers)
        self.assertEqual(r.status_code, 202, r)
        return r, r.json()

    def wait_finished(self, job_id):
        """The seed's loop: GET the job while its status is not a final one."""
        last, seen = poll(lambda: requests.get(self.api(f"/jobs/{job_id}")).json(),
                          lambda job: job["status"] in FINISHED, words=WORDS)
        statuses = [j["status"] for j in seen]
        self.assertTrue(set(statuses) <= set(WORDS), f"foreign words: {statuses}")
        return last

    def wait_running(self, job_id):
        return poll(lambda: requests.get(self.api(f"/jobs/{job_id}")).json(),
                    lambda job: job["status"] == "running", words=WORDS)[0]

    def test_seed_example_as_written_is_422_for_its_s3_input(self):
        # On a server of its own: were the example accepted, its key would taint the class's.
        server = self.new_server(workers=0)
        r = requests.post(self.api("/jobs", server), json=SEED_BODY, headers=SEED_HEADERS)
        self.assertEqual(r.status_code, 422, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"))
        detail = r.json()["detail"]
        self.assertIn("s3", detail.lower())
        self.assertTrue(any(w in detail for w in ("file", "http", "path")),
                        f"the 422 says what is supported: {detail}")

    def test_seed_example_with_local_input_header_key_wins(self):
        body = dict(SEED_BODY, params=dict(SEED_BODY["params"], input_uri=self.csv))
        r, job = self.must_accept(body, SEED_HEADERS)
        self.assertEqual(r.headers.get("Idempotency-Key"), "unique-key-123")
        self.assertTrue(is_uuid(job["id"]), job)
        self.assertEqual((job["task_name"], job["status"], job["progress"]),
                         ("validate_csv_job", "queued", 0))
        self.assertTrue(job["created_at"], job)
        self.assertEqual(job["idempotency_key"], "unique-key-123", "the header wins")
        self.assertTrue(any("idempotency_key" in w and "header" in w for w in job["warnings"]),
                        job.get("warnings"))
        self.assertEqual(job["priority"], 5)
        done = self.wait_finished(job["id"])
        self.assertEqual((done["status"], done["task_name"]), ("succeeded", "validate_csv_job"))
        self.assertIn("mercado_livre", json.dumps(done), "marketplace is kept and shown")
        self.assertIn("electronics", json.dumps(done), "category is kept and shown")
        res = requests.get(self.api(f"/jobs/{job['id']}/result"))
        self.assertEqual(res.status_code, 200, res)
        res = res.json()
        self.assertEqual((res["job_id"], res["status"]), (job["id"], "succeeded"))
        self.assertTrue(res["result_ref"] and res["finished_at"], res)
        again = self.create(body, SEED_HEADERS)
        self.assertIn(again.status_code, (200, 202), again)
        self.assertEqual(again.json()["id"], job["id"], "the header's key replays the job")

    def test_readme_basic_test_snippet(self):
        # The README's "Basic Test", only the host changed.
        response = requests.post(
            self.api("/jobs"),
            json={
                "task": "validate_csv_job",
                "params": {
                    "input_uri": "test.csv",
                    "marketplace": "mercado_livre"
                },
                "plan": "pro"
            }
        )
        job = response.json()
        self.assertEqual(response.status_code, 202, response)
        status = requests.get(self.api(f"/jobs/{job['id']}"))
        self.assertIn(status.json()['status'], WORDS)
        self.assertEqual(self.wait_finished(job["id"])["status"], "succeeded")

    def test_readme_idempotency_snippet(self):
        # The README's "Idempotency Test", only the host changed.
        # First request
        response1 = requests.post(
            self.api("/jobs"),
            json={
                "task": "validate_csv_job",
                "params": {"input_uri": "test.csv"},
                "idempotency_key": "test-123"
            }
        )

        # Second request with same idempotency_key
        response2 = requests.post(
            self.api("/jobs"),
            json={
                "task": "validate_csv_job",
                "params": {"input_uri": "test.csv"},
                "idempotency_key": "test-123"
            },
            headers={"Prefer": "return=representation"}
        )

        self.assertEqual(response1.status_code, 202, response1)
        # Should return same job
        assert response1.json()["id"] == response2.json()["id"]
        self.assertEqual(self.wait_finished(response1.json()["id"])["status"], "succeeded")

    def test_plan_routes_to_its_queue_and_unknown_plan_is_422(self):
        for plan in ("free", "pro", "business", "enterprise"):
            with self.subTest(plan=plan):
                _, job = self.must_accept({"task": "generate_report_job", "params": {},
                                           "plan": plan})
                self.assertEqual(job["queue"], f"queue:{plan}")
        _, job = self.must_accept({"task": "generate_report_job", "params": {}, "plan": "pro",
                                   "priority": 3})
        self.assertEqual(job["priority"], 3, "the number the client sent")
        r = self.create({"task": "generate_report_job", "params": {}, "plan": "platinum"})
        self.assertEqual(r.status_code, 422, r)
        self.assertIn("plan", r.json()["detail"])
        queues = {q["name"]: q["weight"] for q in requests.get(self.api("/queues")).json()["queues"]}
        self.assertEqual([queues[f"queue:{p}"] for p in ("free", "pro", "business", "enterprise")],
                         [1, 5, 7, 10])

    def test_enterprise_job_is_taken_before_free_job(self):
        # An API-only server, its jobs taken with the worker route: the store's claim order (the
        # pool claims in the same order) without the pool's prefetch timing in the way.
        server = self.new_server(workers=0)
        ids = {}
        for plan in ("free", "enterprise"):  # the free job first
            r = requests.post(self.api("/jobs", server), json={"task": "noop", "params": {},
                                                               "plan": plan})
            self.assertEqual(r.status_code, 202, r)
            ids[plan] = r.json()["id"]
        taken = []
        for _ in range(2):
            r = requests.post(self.api("/leases", server), json={
                "worker_id": "e2e-seed003", "types": ["noop"], "max": 1, "wait_s": 0})
            self.assertEqual(r.status_code, 200, r)
            taken += [j["id"] for j in r.json()["jobs"]]
        self.assertEqual(taken, [ids["enterprise"], ids["free"]],
                         "queue:enterprise (weight 10) goes before queue:free (weight 1)")

    def test_running_job_listed_then_cancelled_with_delete(self):
        _, job = self.must_accept({"task": "sleep", "params": {"seconds": 60}})
        self.cancel_at_end(self.server, job["id"])
        running = self.wait_running(job["id"])
        self.assertTrue(running["started_at"], running)
        listed = requests.get(self.api("/jobs?status=running&limit=10&offset=0"))
        self.assertEqual(listed.status_code, 200, listed)
        jobs = listed.json()["jobs"]
        self.assertIn(job["id"], [j["id"] for j in jobs])
        self.assertEqual({j["status"] for j in jobs}, {"running"})
        r = requests.delete(self.api(f"/jobs/{job['id']}"))
        self.assertIn(r.status_code, (200, 202), r)
        self.assertEqual(self.wait_finished(job["id"])["status"], "cancelled")

    def test_correct_csv_and_generate_report_run_and_keep_their_names(self):
        for task, params in (("correct_csv_job", {"input_uri": self.csv, "ruleset": "default"}),
                             ("generate_report_job", {})):
            with self.subTest(task=task):
                _, job = self.must_accept({"task": task, "params": params})
                self.assertEqual(job["task_name"], task)
                done = self.wait_finished(job["id"])
                self.assertEqual((done["status"], done["task_name"]), ("succeeded", task), done)
                self.assertEqual(done["progress"], 100)
                self.assertIn("message", done)
                self.assertTrue(done["started_at"] and done["finished_at"] and done["result_ref"],
                                done)

    def test_failed_job_reads_failed(self):
        _, job = self.must_accept({"task": "fail", "params": {
            "times": 5, "retryable": False, "message": "rule engine down"}})
        done = self.wait_finished(job["id"])
        self.assertEqual(done["status"], "failed")
        res = requests.get(self.api(f"/jobs/{job['id']}/result")).json()
        self.assertEqual(res["status"], "failed")


if __name__ == "__main__":
    unittest.main()
