"""Seed 001 (math jobs under /api/v1, FastAPI + Celery) : its client, unchanged, against
`conveyor serve`.

The seed's client submits `{"data": [...], "operation": "square_sum"}` to POST /api/v1/jobs/,
expects 201 with id/status/operation/created_at/updated_at, polls
GET /api/v1/jobs/{id}/status while the status is not SUCCESS or FAILED (PENDING → IN_PROGRESS →
SUCCESS/FAILED), then reads GET /api/v1/jobs/{id}/result:
{"status": "SUCCESS", "operation", "result": {"result": 55, "error": null}}.
Conveyor answers such a job in the `success` dialect (docs/api.md, "Coming from another stack").
The seed has no curl lines; test_seeds.py runs the curl a reader would type for its routes.
"""

import unittest

from conveyor_harness import is_uuid
from seed_kit import SeedClientTestCase, poll, requests

SUCCESS_WORDS = ("PENDING", "IN_PROGRESS", "SUCCESS", "FAILED")
FINISHED = ("SUCCESS", "FAILED")


class Seed001ClientTest(SeedClientTestCase):
    SERVER_ARGS = dict(workers=2, extra=["--retry-base-ms", "200", "--retry-cap-ms", "500"])

    def api(self, path):
        return self.url("/api/v1" + path)

    def submit(self, data, operation):
        r = requests.post(self.api("/jobs/"), json={"data": data, "operation": operation})
        self.assertEqual(r.status_code, 201, r)
        return r.json()

    def wait_finished(self, job_id):
        """The seed's loop: GET the status until SUCCESS or FAILED."""
        last, seen = poll(lambda: requests.get(self.api(f"/jobs/{job_id}/status")).json(),
                          lambda body: body["status"] in FINISHED, words=SUCCESS_WORDS)
        return last, [b["status"] for b in seen]

    def test_square_sum_polled_until_success_reads_nested_result(self):
        job = self.submit([1, 2, 3, 4, 5], "square_sum")
        self.assertTrue(is_uuid(job["id"]), job)
        self.assertEqual(job["job_id"], job["id"])
        self.assertEqual(job["status"], "PENDING", "the create answer of seed 001")
        self.assertEqual(job["operation"], "square_sum")
        self.assertTrue(job["created_at"] and job["updated_at"], job)
        last, seen = self.wait_finished(job["id"])
        self.assertEqual(last["status"], "SUCCESS", seen)
        self.assertTrue(set(seen) <= set(SUCCESS_WORDS), f"words outside the dialect: {seen}")
        r = requests.get(self.api(f"/jobs/{job['id']}/result"))
        self.assertEqual(r.status_code, 200, r)
        body = r.json()
        self.assertEqual((body["id"], body["status"], body["operation"]),
                         (job["id"], "SUCCESS", "square_sum"))
        self.assertEqual(body["result"], {"result": 55, "error": None})
        self.assertIs(type(body["result"]["result"]), int, "an integer sum stays an integer")
        self.assertTrue(body["created_at"] and body["updated_at"], body)

    def test_cube_sum_result(self):
        job = self.submit([1, 2, 3], "cube_sum")
        self.assertEqual(self.wait_finished(job["id"])[0]["status"], "SUCCESS")
        body = requests.get(self.api(f"/jobs/{job['id']}/result")).json()
        self.assertEqual(body["result"], {"result": 36, "error": None})
        self.assertEqual(body["operation"], "cube_sum")

    def test_status_and_get_carry_operation_in_success_words(self):
        job = self.submit([2, 2], "square_sum")
        self.wait_finished(job["id"])
        for path in (f"/jobs/{job['id']}/status", f"/jobs/{job['id']}"):
            with self.subTest(path=path):
                body = requests.get(self.api(path)).json()
                self.assertEqual((body["id"], body["status"], body["operation"]),
                                 (job["id"], "SUCCESS", "square_sum"))

    def test_running_job_reads_in_progress_and_cancelled_reads_failed(self):
        # The seed's 2-second simulated work: a sleep job asked for in the success dialect.
        r = requests.post(self.api("/jobs"), json={"type": "sleep", "payload": {"seconds": 60}},
                          headers={"Conveyor-Dialect": "success"})
        self.assertEqual(r.status_code, 201, r)
        job = r.json()
        self.cancel_at_end(self.server, job["id"])
        self.assertEqual((job["status"], job["operation"]), ("PENDING", "sleep"))
        poll(lambda: requests.get(self.api(f"/jobs/{job['id']}/status")).json(),
             lambda body: body["status"] == "IN_PROGRESS", words=SUCCESS_WORDS)
        cancel = requests.delete(self.api(f"/jobs/{job['id']}"))
        self.assertEqual(cancel.status_code, 200, cancel)
        self.assertIn(cancel.json()["status"], ("IN_PROGRESS", "FAILED"), cancel)
        last, seen = self.wait_finished(job["id"])
        self.assertEqual(last["status"], "FAILED", "a cancelled job reads FAILED in seed 001")
        result = requests.get(self.api(f"/jobs/{job['id']}/result")).json()
        self.assertIsNone(result["result"]["result"], result)

    def test_failed_job_result_is_nested_with_its_error(self):
        r = requests.post(self.api("/jobs"), headers={"Conveyor-Dialect": "success"}, json={
            "type": "fail", "payload": {"times": 5, "retryable": False, "message": "boom 42"}})
        self.assertEqual(r.status_code, 201, r)
        job = r.json()
        last, _ = self.wait_finished(job["id"])
        self.assertEqual(last["status"], "FAILED")
        body = requests.get(self.api(f"/jobs/{job['id']}/result")).json()
        self.assertEqual(body["status"], "FAILED")
        self.assertIsNone(body["result"]["result"], body)
        self.assertIn("boom 42", body["result"]["error"])

    def test_retrying_job_reads_pending_never_a_foreign_word(self):
        r = requests.post(self.api("/jobs"), headers={"Conveyor-Dialect": "success"}, json={
            "type": "fail", "payload": {"times": 1, "retryable": True, "message": "flaky"},
            "max_attempts": 3})
        self.assertEqual(r.status_code, 201, r)
        job = r.json()
        last, seen = self.wait_finished(job["id"])
        self.assertEqual(last["status"], "SUCCESS", seen)
        self.assertTrue(set(seen) <= set(SUCCESS_WORDS), f"words outside the dialect: {seen}")
        done = requests.get(self.api(f"/jobs/{job['id']}")).json()
        self.assertEqual(done["attempt"], 2, "it did fail once and retry")

    def test_list_filtered_by_success_shows_seed_words(self):
        job = self.submit([3], "square_sum")
        self.wait_finished(job["id"])
        body = requests.get(self.api("/jobs"), params={"status": "SUCCESS", "limit": 1000}).json()
        mine = [j for j in body["jobs"] if j["id"] == job["id"]]
        self.assertEqual(len(mine), 1, "the SUCCESS filter lists the job")
        self.assertEqual((mine[0]["status"], mine[0]["operation"]), ("SUCCESS", "square_sum"))

    def test_typo_in_operation_is_422_suggesting_the_name(self):
        r = requests.post(self.api("/jobs/"), json={"data": [1, 2], "operation": "squre_sum"})
        self.assertEqual(r.status_code, 422, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"))
        self.assertIn("square_sum", r.json()["detail"])

    def test_health(self):
        r = requests.get(self.url("/health"))
        self.assertEqual((r.status_code, r.json()), (200, {"status": "ok"}))


if __name__ == "__main__":
    unittest.main()
