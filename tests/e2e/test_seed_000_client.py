"""Seed 000 (the document pipeline, FastAPI + Celery + MongoDB): its client, unchanged, against
`conveyor serve`.

The seed's client POSTs `{"doc_id", "payload", "webhook_url"}` to /jobs, reads
`{"job_id", "doc_id", "status": "PENDING", "is_new": true, "message": "Job created and queued
for processing"}`, polls GET /jobs/{job_id} while the status is not SUCCEEDED or FAILED (the seed's
states: PENDING, RUNNING, RETRYING, SUCCEEDED, FAILED), and reads result.original_data,
result.data_hash, current_step and completed_at. A resubmitted doc_id returns the existing job
(200, is_new false), whatever the body. The README's curl lines run in test_seed000.py, which
also covers the webhook receiver, signatures and delivery retries.
"""

import hashlib
import json
import unittest
import uuid

from conveyor_harness import is_uuid
from seed_kit import SeedClientTestCase, poll, requests

SEED_STATES = ("PENDING", "RUNNING", "RETRYING", "SUCCEEDED", "FAILED")
CREATED_MESSAGE = "Job created and queued for processing"


def data_hash(value):
    """The documented definition of data_hash (docs/handlers.md)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Seed000ClientTest(SeedClientTestCase):
    SERVER_ARGS = dict(workers=2)

    def create(self, doc_id, payload):
        return requests.post(self.url("/jobs"), json={
            "doc_id": doc_id, "payload": payload,
            "webhook_url": f"http://localhost:{self.server.port}/webhook-receiver"})

    def wait_done(self, job_id):
        last, seen = poll(lambda: requests.get(self.url(f"/jobs/{job_id}")).json(),
                          lambda job: job["status"] in ("SUCCEEDED", "FAILED"),
                          words=SEED_STATES)
        statuses = [j["status"] for j in seen]
        self.assertTrue(set(statuses) <= set(SEED_STATES), f"foreign words: {statuses}")
        return last

    def test_create_poll_and_read_the_pipeline_result(self):
        doc_id = f"doc-{uuid.uuid4().hex[:12]}"
        payload = {"key": "value", "data": 123}
        r = self.create(doc_id, payload)
        self.assertEqual(r.status_code, 201, r)
        created = r.json()
        self.assertTrue(is_uuid(created["job_id"]), created)
        self.assertEqual((created["doc_id"], created["status"], created["is_new"],
                          created["message"]), (doc_id, "PENDING", True, CREATED_MESSAGE))
        job = self.wait_done(created["job_id"])
        self.assertEqual(job["status"], "SUCCEEDED", job)
        self.assertEqual((job["job_id"], job["doc_id"], job["current_step"]),
                         (created["job_id"], doc_id, "deliver"))
        self.assertEqual(job["result"]["original_data"], payload)
        self.assertEqual(job["result"]["data_hash"], data_hash(payload))
        self.assertTrue(job["result"]["processed_at"], job)
        self.assertTrue(job["created_at"] and job["completed_at"], job)

    def test_duplicate_doc_id_returns_the_existing_job(self):
        doc_id = f"doc-{uuid.uuid4().hex[:12]}"
        first = self.create(doc_id, {"v": 1})
        self.assertEqual(first.status_code, 201, first)
        job_id = first.json()["job_id"]
        for payload in ({"v": 1}, {"v": 2, "changed": True}):
            with self.subTest(payload=payload):
                again = self.create(doc_id, payload)
                self.assertEqual(again.status_code, 200, again)
                body = again.json()
                self.assertEqual((body["job_id"], body["doc_id"], body["is_new"]),
                                 (job_id, doc_id, False))
        done = self.wait_done(job_id)
        self.assertEqual(done["result"]["original_data"], {"v": 1}, "the first body ran")

    def test_health(self):
        r = requests.get(self.url("/health"))
        self.assertEqual((r.status_code, r.json()), (200, {"status": "ok"}))


if __name__ == "__main__":
    unittest.main()
