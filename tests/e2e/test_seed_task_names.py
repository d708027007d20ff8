"""Issue 10: the seeds' task names run, end to end, against the real binary, each in its seed's
own body shape: send_email (seed 002) as email.send through a local SMTP server,
validate_csv_job / correct_csv_job (seed 003) as csv.validate / csv.correct with seed 003's
params, generate_report_job (003) and generate_report (002) as report.generate. Every job keeps
the name its client used. Reads ask for Conveyor's own dialect (Conveyor-Dialect: succeeded),
so the assertions do not depend on how a seed's dialect renders the answer."""

import os
import shutil
import tempfile
import unittest

from conveyor_harness import ServerTestCase
from seed_kit import SmtpSink

OWN_DIALECT = {"Conveyor-Dialect": "succeeded"}
ACCEPTED = (201, 202)  # seed 003's shape may be answered 202 Accepted


class SeedTaskNamesTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = SmtpSink()  # aiosmtpd

    @classmethod
    def tearDownClass(cls):
        cls.smtp.close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="conveyor-seed-names-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.s = self.new_server(
            workers=2, extra=["--data-dir", os.path.join(self.dir, "data"), "--input-dir",
                              self.dir],
            env={"SMTP_URL": self.smtp.url,
                 "SMTP_FROM": "noreply@example.com"})

    def get(self, job_id):
        return self.must_json(self.s.request("GET", f"/api/v1/jobs/{job_id}",
                                             headers=OWN_DIALECT), 200)

    def run_to_success(self, body, path="/api/v1/jobs"):
        """Submits `body` as its seed's client does and waits for SUCCEEDED; returns the job."""
        created = self.must_json(self.s.request("POST", path, body), *ACCEPTED)
        job_id = created.get("id") or created.get("job_id")
        done = self.s.wait_until(
            lambda: (lambda j: j if j["status"] in ("SUCCEEDED", "FAILED") else None)(
                self.get(job_id)), 60, f"{job_id} to finish")
        self.assertEqual(done["status"], "SUCCEEDED", done)
        return done

    def write_input(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def artifact(self, job_id, name):
        r = self.s.request("GET", f"/api/v1/jobs/{job_id}/artifact?name={name}")
        self.must_status(r, 200)
        return r.raw.decode("utf-8", "replace")

    def test_send_email_runs_as_email_send_and_keeps_its_name(self):
        # Seed 002's create example, as written (its scheduled_at is in the past: due now).
        done = self.run_to_success({
            "type": "send_email",
            "payload": {"to": "user@example.com", "subject": "Welcome!",
                        "body": "Thanks for signing up"},
            "idempotency_key": "signup-email-user123", "priority": 5,
            "scheduled_at": "2026-02-01T15:00:00"}, path="/jobs")
        self.assertEqual(done["type"], "send_email", "the job keeps the client's name")
        self.assertEqual(done["result"]["accepted"], ["user@example.com"])
        self.assertTrue(any("Subject: Welcome!" in m["data"] for m in self.smtp.received()),
                        self.smtp.received())

    def test_validate_csv_job_takes_seed_003_params(self):
        path = self.write_input("upload.csv", "sku,name\nA-1, Radio \nA-2,TV\n")
        done = self.run_to_success({
            "task": "validate_csv_job",
            "params": {"input_uri": path, "marketplace": "mercado_livre",
                       "category": "electronics", "ruleset": "default", "auto_fix": True},
            "priority": 5, "plan": "pro", "idempotency_key": "upload-xyz-123"})
        self.assertEqual(done["type"], "validate_csv_job")
        result = done["result"]
        self.assertEqual((result["marketplace"], result["category"]),
                         ("mercado_livre", "electronics"), "seed 003's labels are shown")
        self.assertEqual(result["rows"], 2)
        self.assertTrue(result["valid"], result)
        # auto_fix also writes the corrected file, as csv.correct does.
        self.assertIn("corrected.csv", result["artifacts"])
        self.assertIn("A-1,Radio\n", self.artifact(done["id"], "corrected.csv"))

    def test_correct_csv_job_runs_as_csv_correct(self):
        path = self.write_input("fix.csv", "sku,name\n B-1 ,Lamp\n")
        done = self.run_to_success({"task": "correct_csv_job", "params": {"input_uri": path}})
        self.assertEqual(done["type"], "correct_csv_job")
        self.assertEqual(done["result"]["artifact"], "corrected.csv")
        self.assertIn("B-1,Lamp", self.artifact(done["id"], "corrected.csv"))

    def test_generate_report_names_run_as_report_generate(self):
        for body in ({"task": "generate_report_job", "params": {}},
                     {"type": "generate_report", "payload": {}}):
            with self.subTest(body=body):
                done = self.run_to_success(body)
                self.assertEqual(done["type"], body.get("task") or body.get("type"))
                self.assertIn("by_state", done["result"])
                self.assertEqual(done["result"]["artifact"], "report.json")

    def test_seed_names_bad_payload_is_422_at_submit(self):
        # The alias's payload is judged by its target's handler, before anything is stored.
        self.must_problem(self.s.request("POST", "/jobs", {
            "type": "send_email", "payload": {"to": "not-an-address", "subject": "s",
                                              "body": "b"}}), 422, path="/jobs",
            detail_contains="payload.to")
        self.must_problem(self.s.request("POST", "/api/v1/jobs", {
            "task": "correct_csv_job", "params": {"input_uri": "/etc/passwd"}}), 422,
            path="/api/v1/jobs", detail_contains="input directories")
        self.must_problem(self.s.request("POST", "/api/v1/jobs", {
            "task": "generate_report_job", "params": {"since": "yesterday"}}), 422,
            path="/api/v1/jobs", detail_contains="payload.since")

    def test_s3_input_uri_is_422_saying_what_is_supported(self):
        # Seed 003's create example's params, as written.
        r = self.s.request("POST", "/api/v1/jobs", {
            "task": "validate_csv_job",
            "params": {"input_uri": "s3://bucket/file.csv", "marketplace": "mercado_livre",
                       "category": "electronics", "ruleset": "default", "auto_fix": True},
            "priority": 5, "plan": "pro", "idempotency_key": "upload-xyz-123"})
        self.must_problem(r, 422, path="/api/v1/jobs",
                          detail_contains=["s3:// scheme is not supported", "http(s)://",
                                           "file://"])


if __name__ == "__main__":
    unittest.main()
