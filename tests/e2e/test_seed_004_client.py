"""Seed 004 (square_sum/cube_sum without a route prefix, FastAPI + Celery): its client,
unchanged, against `conveyor serve`.

The seed's client POSTs `{"data": [1, 2, 3], "operation": "square_sum"}` to /jobs/, reads
`{"job_id", "status": "PENDING"}`, polls GET /jobs/{job_id}/status (`{"status": "IN_PROGRESS"}`)
until SUCCESS, then GET /jobs/{job_id}/result → `{"job_id", "status": "SUCCESS", "result": 14.0}`:
the plain number, an integer sum written as a float as the seed's Python float prints it.
Its three curl lines run literally in test_seeds.py.
"""

import unittest

from conveyor_harness import is_uuid
from seed_kit import SeedClientTestCase, poll, raw_number, requests

SUCCESS_WORDS = ("PENDING", "IN_PROGRESS", "SUCCESS", "FAILED")


class Seed004ClientTest(SeedClientTestCase):
    SERVER_ARGS = dict(workers=2)

    def submit(self, data, operation):
        r = requests.post(self.url("/jobs/"), json={"data": data, "operation": operation})
        self.assertEqual(r.status_code, 201, r)
        job = r.json()
        self.assertTrue(is_uuid(job["job_id"]), job)
        self.assertEqual(job["status"], "PENDING", "the seed's create answer")
        return job

    def status_until(self, job_id, wanted):
        last, seen = poll(lambda: requests.get(self.url(f"/jobs/{job_id}/status")).json(),
                          lambda body: body["status"] in wanted, words=SUCCESS_WORDS)
        statuses = [b["status"] for b in seen]
        self.assertTrue(set(statuses) <= set(SUCCESS_WORDS), f"foreign words: {statuses}")
        return last

    def test_square_sum_result_is_a_plain_float(self):
        job = self.submit([1, 2, 3], "square_sum")
        self.assertEqual(self.status_until(job["job_id"], ("SUCCESS", "FAILED"))["status"],
                         "SUCCESS")
        r = requests.get(self.url(f"/jobs/{job['job_id']}/result"))
        self.assertEqual(r.status_code, 200, r)
        body = r.json()
        self.assertEqual((body["job_id"], body["status"], body["result"]),
                         (job["job_id"], "SUCCESS", 14.0))
        self.assertIsInstance(body["result"], float)
        self.assertEqual(raw_number(r.text, "result"), "14.0", f"as the seed shows: {r.text}")

    def test_cube_sum_of_the_seeds_curl_body(self):
        job = self.submit([2, 3], "cube_sum")
        self.status_until(job["job_id"], ("SUCCESS",))
        r = requests.get(self.url(f"/jobs/{job['job_id']}/result"))
        self.assertEqual(r.json()["result"], 35.0)
        self.assertEqual(raw_number(r.text, "result"), "35.0")

    def test_fractional_inputs_print_in_shortest_form(self):
        job = self.submit([1.5, 2], "square_sum")
        self.status_until(job["job_id"], ("SUCCESS",))
        r = requests.get(self.url(f"/jobs/{job['job_id']}/result"))
        self.assertEqual(r.json()["result"], 6.25)
        self.assertEqual(raw_number(r.text, "result"), "6.25", f"no exponent form: {r.text}")

    def test_slow_job_status_reads_in_progress(self):
        # The seed's worker takes a while; a sleep job asked for in its dialect shows the same.
        r = requests.post(self.url("/jobs/"), json={"type": "sleep", "payload": {"seconds": 60}},
                          headers={"Conveyor-Dialect": "success"})
        self.assertEqual(r.status_code, 201, r)
        job_id = r.json()["job_id"]
        self.cancel_at_end(self.server, job_id)
        self.assertEqual(self.status_until(job_id, ("IN_PROGRESS",))["status"], "IN_PROGRESS")
        requests.delete(self.url(f"/jobs/{job_id}"))
        self.assertEqual(self.status_until(job_id, ("SUCCESS", "FAILED"))["status"], "FAILED")

    def test_get_and_list_items_carry_operation(self):
        job = self.submit([4], "square_sum")
        self.status_until(job["job_id"], ("SUCCESS",))
        got = requests.get(self.url(f"/jobs/{job['job_id']}")).json()
        self.assertEqual((got["status"], got["operation"]), ("SUCCESS", "square_sum"))
        listed = requests.get(self.url("/jobs"), params={"status": "SUCCESS", "limit": 1000})
        mine = [j for j in listed.json()["jobs"] if j["id"] == job["job_id"]]
        self.assertEqual([(j["status"], j["operation"]) for j in mine], [("SUCCESS", "square_sum")])

    def test_typo_in_operation_is_422_suggesting_the_name(self):
        r = requests.post(self.url("/jobs/"), json={"data": [1], "operation": "cube_summ"})
        self.assertEqual(r.status_code, 422, r)
        self.assertIn("cube_sum", r.json()["detail"])


if __name__ == "__main__":
    unittest.main()
