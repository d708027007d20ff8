"""Dialects (issue 10): an answer's vocabulary is a property of how the job was submitted, a
request may ask for another one, and an operator may set the default for canonical submissions.

Covered, each in its own test: the dialect by request shape (and on the cancel, retry and
webhook-event answers); the explicit override (header
`Conveyor-Dialect` and query `dialect`, on submit and on read; an unknown name is a 400 naming
the choices); the server default (`--dialect`, env CONVEYOR_DIALECT); every state's word in
every dialect (states made deterministically with the worker routes on an API-only server);
list filters in every dialect's words; the Idempotency-Key header against the body's key;
doc_id resubmission against canonical key reuse; numbers in shortest form; fractional progress
from an external worker's heartbeat; the unserved-type rule; MAX_RETRIES.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
import uuid

from conveyor_harness import binary, slow
from seed_kit import SeedClientTestCase, poll, raw_number, requests

NAMES = ("succeeded", "success", "completed", "queued")
# State → word, per dialect (src/core/dialect.cc is the table these pin down).
WORDS = {
    "succeeded": {"SCHEDULED": "SCHEDULED", "PENDING": "PENDING", "RUNNING": "RUNNING",
                  "SUCCEEDED": "SUCCEEDED", "RETRYING": "RETRYING", "FAILED": "FAILED",
                  "CANCELLED": "CANCELLED"},
    "success": {"SCHEDULED": "PENDING", "PENDING": "PENDING", "RUNNING": "IN_PROGRESS",
                "SUCCEEDED": "SUCCESS", "RETRYING": "PENDING", "FAILED": "FAILED",
                "CANCELLED": "FAILED"},
    "completed": {"SCHEDULED": "PENDING", "PENDING": "PENDING", "RUNNING": "PROCESSING",
                  "SUCCEEDED": "COMPLETED", "RETRYING": "PENDING", "FAILED": "FAILED",
                  "CANCELLED": "FAILED"},
    "queued": {"SCHEDULED": "queued", "PENDING": "queued", "RUNNING": "running",
               "SUCCEEDED": "succeeded", "RETRYING": "retrying", "FAILED": "failed",
               "CANCELLED": "cancelled"},
}
EXPIRED_WORD = {"succeeded": "EXPIRED", "success": "FAILED", "completed": "FAILED",
                "queued": "expired"}
SUCCESS_WORD = {name: WORDS[name]["SUCCEEDED"] for name in NAMES}
# A number in exponent form as a JSON value (ids in quotes do not match).
EXPONENT = re.compile(r'[:\[,]\s*-?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+')


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class DialectTestCase(SeedClientTestCase):
    def api(self, path, server=None):
        return self.url("/api/v1" + path, server)

    def get(self, job_id, dialect=None, how="header", server=None):
        if dialect is None:
            return requests.get(self.api(f"/jobs/{job_id}", server))
        if how == "header":
            return requests.get(self.api(f"/jobs/{job_id}", server),
                                headers={"Conveyor-Dialect": dialect})
        return requests.get(self.api(f"/jobs/{job_id}?dialect={dialect}", server))

    def wait_word(self, job_id, word, server=None):
        """Polls the job until it reads `word`; fails at once on a word of another vocabulary."""
        vocabulary = set()
        for name, words in WORDS.items():
            if word in words.values():
                vocabulary |= set(words.values()) | {EXPIRED_WORD[name]}
        return poll(lambda: self.get(job_id, server=server).json(),
                    lambda job: job["status"] == word, words=vocabulary)[0]

    def must_create(self, body, code=201, path="/jobs", headers=None, server=None):
        r = requests.post(self.api(path, server), json=body, headers=headers)
        self.assertEqual(r.status_code, code, r)
        return r.json()

    def must_problem(self, r, code, *fragments):
        self.assertEqual(r.status_code, code, r)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"),
                        r)
        detail = r.json()["detail"]
        for f in fragments:
            self.assertIn(f, detail)
        return detail


class DialectsTest(DialectTestCase):
    SERVER_ARGS = dict(workers=2, env={"MAX_RETRIES": "2"},
                       extra=["--retry-base-ms", "100", "--retry-cap-ms", "300"])

    def test_dialect_follows_the_request_shape(self):
        shapes = [
            ({"type": "square_sum", "payload": {"data": [1, 2]}}, 201, "SUCCEEDED", None),
            ({"operation": "square_sum", "data": [1, 2]}, 201, "SUCCESS", "operation"),
            ({"task": "square_sum", "params": {"data": [1, 2]}}, 202, "succeeded", "task_name"),
            ({"doc_id": unique("doc"), "payload": {"k": 1},
              "webhook_url": self.url("/webhook-receiver")}, 201, "SUCCEEDED", None),
        ]
        for body, code, word, alias in shapes:
            with self.subTest(shape=sorted(body)):
                job = self.must_create(body, code)
                done = self.wait_word(job["id"], word)
                if alias:
                    self.assertEqual(done[alias], "square_sum")

    def test_dialect_override_on_read_by_header_and_query(self):
        job = self.must_create({"type": "square_sum", "payload": {"data": [3]}})
        self.wait_word(job["id"], "SUCCEEDED")
        for name in NAMES:
            for how in ("header", "query"):
                with self.subTest(dialect=name, how=how):
                    got = self.get(job["id"], name, how)
                    self.assertEqual(got.status_code, 200, got)
                    self.assertEqual(got.json()["status"], SUCCESS_WORD[name])
        self.assertEqual(self.get(job["id"], "completed").json()["attempts"], 1)
        self.assertEqual(self.get(job["id"], "queued").json()["task_name"], "square_sum")
        self.assertEqual(self.get(job["id"], "success").json()["operation"], "square_sum")
        seed = self.must_create({"operation": "square_sum", "data": [3]})
        self.wait_word(seed["id"], "SUCCESS")
        self.assertEqual(self.get(seed["id"], "succeeded", "query").json()["status"], "SUCCEEDED")

    def test_dialect_override_on_submit_sets_the_jobs_dialect(self):
        body = {"type": "square_sum", "payload": {"data": [2]}}
        by_header = self.must_create(body, headers={"Conveyor-Dialect": "completed"})
        self.assertEqual(self.wait_word(by_header["id"], "COMPLETED")["attempts"], 1)
        by_query = self.must_create(body, 202, path="/jobs?dialect=queued")
        self.assertEqual(by_query["status"], "queued")
        self.assertEqual(self.wait_word(by_query["id"], "succeeded")["task_name"], "square_sum")

    def test_unknown_dialect_name_is_400_naming_the_choices(self):
        job = self.must_create({"type": "noop", "payload": {}})
        attempts = [
            requests.get(self.api(f"/jobs/{job['id']}"), headers={"Conveyor-Dialect": "klingon"}),
            requests.get(self.api(f"/jobs/{job['id']}?dialect=klingon")),
            requests.get(self.api("/jobs?dialect=klingon")),
            requests.post(self.api("/jobs"), json={"type": "noop", "payload": {}},
                          headers={"Conveyor-Dialect": "klingon"}),
            requests.post(self.api("/jobs?dialect=klingon"), json={"type": "noop", "payload": {}}),
        ]
        for r in attempts:
            with self.subTest(url=r.url):
                self.must_problem(r, 400, "klingon", *NAMES)

    def test_list_filters_accept_every_dialects_words(self):
        done = self.must_create({"type": "cube_sum", "payload": {"data": [2]}})
        self.wait_word(done["id"], "SUCCEEDED")
        sleeper = self.must_create({"type": "sleep", "payload": {"seconds": 60}})
        self.cancel_at_end(self.server, sleeper["id"])
        self.wait_word(sleeper["id"], "RUNNING")
        for words, job_id, own in ((("SUCCEEDED", "SUCCESS", "COMPLETED", "succeeded"),
                                    done["id"], "SUCCEEDED"),
                                   (("RUNNING", "IN_PROGRESS", "PROCESSING", "running"),
                                    sleeper["id"], "RUNNING")):
            for word in words:
                with self.subTest(status=word):
                    r = requests.get(self.api(f"/jobs?status={word}&limit=1000"))
                    self.assertEqual(r.status_code, 200, r)
                    jobs = r.json()["jobs"]
                    self.assertIn(job_id, [j["id"] for j in jobs])
                    self.assertEqual({j["status"] for j in jobs if j["id"] == job_id}, {own},
                                     "items speak their own job's dialect")

    def test_cancel_and_retry_answers_speak_the_jobs_dialect(self):
        job = self.must_create({"task": "sleep", "params": {"seconds": 60}}, 202)
        self.cancel_at_end(self.server, job["id"])
        self.wait_word(job["id"], "running")
        cancel = requests.delete(self.api(f"/jobs/{job['id']}"))
        self.assertEqual(cancel.status_code, 200, cancel)
        self.assertIn(cancel.json()["status"], ("running", "cancelled"), cancel)
        self.wait_word(job["id"], "cancelled")
        retry = requests.post(self.api(f"/jobs/{job['id']}/retry"))
        self.assertEqual(retry.status_code, 200, retry)
        self.assertEqual((retry.json()["status"], retry.json()["task_name"]), ("queued", "sleep"))

    def test_webhook_event_speaks_the_jobs_dialect(self):
        for name, code in (("queued", 202), ("completed", 201), ("success", 201)):
            with self.subTest(dialect=name):
                job = self.must_create({"type": "square_sum", "payload": {"data": [2]},
                                        "webhook_url": self.url("/webhook-receiver")}, code,
                                       headers={"Conveyor-Dialect": name})
                receipt = poll(lambda: requests.get(self.url("/webhook-receiver?limit=1000")),
                               lambda r: any(x["idempotency_key"] == f"{job['id']}.1"
                                             for x in r.json()["receipts"]))[0]
                [event] = [x["body"] for x in receipt.json()["receipts"]
                           if x["idempotency_key"] == f"{job['id']}.1"]
                self.assertEqual(event["data"]["status"], SUCCESS_WORD[name], event)

    def test_header_key_wins_over_body_key_and_answer_says_so(self):
        header_key, body_key = unique("hdr"), unique("body")
        r = requests.post(self.api("/jobs"), headers={"Idempotency-Key": header_key}, json={
            "task": "noop", "params": {}, "idempotency_key": body_key})
        self.assertEqual(r.status_code, 202, r)
        job = r.json()
        self.assertEqual(job["idempotency_key"], header_key)
        self.assertEqual(r.headers.get("Idempotency-Key"), header_key)
        self.assertTrue(any("idempotency_key" in w and "header" in w for w in job["warnings"]),
                        job.get("warnings"))
        replay = requests.post(self.api("/jobs"), headers={"Idempotency-Key": header_key},
                               json={"task": "noop", "params": {}, "idempotency_key": body_key})
        self.assertEqual(replay.json()["id"], job["id"])
        other = self.must_create({"task": "noop", "params": {}, "idempotency_key": body_key}, 202)
        self.assertNotEqual(other["id"], job["id"], "the body's key was not used")

    def test_doc_id_resubmission_returns_job_but_canonical_key_reuse_is_409(self):
        doc = unique("doc")
        first = self.must_create({"doc_id": doc, "payload": {"v": 1}}, path="/jobs")
        again = requests.post(self.api("/jobs"), json={"doc_id": doc, "payload": {"v": 2}})
        self.assertEqual(again.status_code, 200, again)
        self.assertEqual((again.json()["id"], again.json()["is_new"]), (first["id"], False))
        key = unique("canon")
        self.must_create({"type": "noop", "payload": {"v": 1}},
                         headers={"Idempotency-Key": key})
        r = requests.post(self.api("/jobs"), json={"type": "noop", "payload": {"v": 2}},
                          headers={"Idempotency-Key": key})
        self.must_problem(r, 409)

    def test_numbers_in_shortest_form_never_exponent(self):
        job = self.must_create({"type": "square_sum", "payload": {"data": [1.5, 2]}})
        self.wait_word(job["id"], "SUCCEEDED")
        for path in (f"/jobs/{job['id']}", f"/jobs/{job['id']}/result"):
            r = requests.get(self.api(path))
            self.assertEqual(raw_number(r.text, "result"), "6.25", r.text)
            self.assertIsNone(EXPONENT.search(r.text), r.text)
        echo = self.must_create({"type": "noop", "payload": {
            "a": 6.25, "b": 0.001, "c": 123456.789, "d": 2.0, "e": 14}})
        text = self.get(echo["id"]).text
        for member, literal in (("a", "6.25"), ("b", "0.001"), ("c", "123456.789"),
                                ("d", "2.0"), ("e", "14")):
            self.assertEqual(raw_number(text, member), literal, text)
        self.assertIsNone(EXPONENT.search(text), text)
        plain = requests.post(self.url("/jobs/"), json={"operation": "square_sum",
                                                        "data": [1, 2, 3]}).json()
        poll(lambda: requests.get(self.url(f"/jobs/{plain['job_id']}/status")).json(),
             lambda b: b["status"] == "SUCCESS", words=("PENDING", "IN_PROGRESS", "SUCCESS"))
        r = requests.get(self.url(f"/jobs/{plain['job_id']}/result"))
        self.assertEqual(raw_number(r.text, "result"), "14.0", r.text)

    def test_typo_of_a_builtin_type_is_422_suggesting_it_in_every_shape(self):
        for body in ({"type": "squre_sum", "payload": {"data": [1]}},
                     {"operation": "squre_sum", "data": [1]},
                     {"task": "squre_sum", "params": {"data": [1]}}):
            with self.subTest(body=body):
                r = requests.post(self.api("/jobs"), json=body)
                self.must_problem(r, 422, "square_sum")

    def test_undeclared_type_is_422(self):
        r = requests.post(self.api("/jobs"), json={"type": "images.resize", "payload": {}})
        detail = self.must_problem(r, 422, "images.resize")
        self.assertIn("external", detail, "the detail says how to declare it")

    def test_max_retries_counts_retries_after_the_first_attempt(self):
        job = self.must_create({"type": "fail", "payload": {"times": 10, "retryable": True}})
        self.assertEqual(job["max_attempts"], 3, "MAX_RETRIES=2: 1 + 2 attempts")
        done = self.wait_word(job["id"], "FAILED")
        self.assertEqual(done["attempt"], 3)
        own = self.must_create({"type": "fail", "max_attempts": 2,
                                "payload": {"times": 10, "retryable": True}})
        self.assertEqual(own["max_attempts"], 2, "a job's max_attempts keeps its meaning")
        self.assertEqual(self.wait_word(own["id"], "FAILED")["attempt"], 2)


class DialectStatesTest(DialectTestCase):
    """An API-only server (no workers): jobs are put into each state with the worker routes, so
    every state's word in every dialect is checked without racing a worker."""

    SERVER_ARGS = dict(workers=0, extra=["--external-types", "e2e.resize"])

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jobs = {}  # state → job id, made once for the class

    def lease(self, type_name="noop"):
        r = requests.post(self.api("/leases"), json={
            "worker_id": "e2e-dialects", "types": [type_name], "max": 1, "wait_s": 0,
            "lease_s": 3600})  # no rescue while the class runs
        self.assertEqual(r.status_code, 200, r)
        [job] = r.json()["jobs"]
        return job

    def worker_post(self, job, verb, **fields):
        r = requests.post(self.api(f"/jobs/{job['id']}/{verb}"),
                          json=dict(fields, lease_token=job["lease_token"]))
        self.assertEqual(r.status_code, 200, r)
        return r.json()

    def noop(self, **extra):
        return self.must_create(dict({"type": "noop", "payload": {}}, **extra))["id"]

    def make_states(self):
        """One job per state, each leased right after its submit (only it is due then)."""
        if self.jobs:
            return self.jobs
        jobs = {"SCHEDULED": self.noop(run_at="2099-01-01T00:00:00Z")}
        jobs["RUNNING"] = self.noop()
        running = self.lease()
        self.assertEqual(running["id"], jobs["RUNNING"])
        for state, verb, fields in (("RETRYING", "fail", {"error": "x", "retry_in_s": 3600}),
                                    ("SUCCEEDED", "complete", {"result": {"ok": True}}),
                                    ("FAILED", "fail", {"error": "x", "retryable": False})):
            jobs[state] = self.noop()
            leased = self.lease()
            self.assertEqual(leased["id"], jobs[state])
            self.worker_post(leased, verb, **fields)
        jobs["CANCELLED"] = self.noop()
        self.assertEqual(requests.delete(self.api(f"/jobs/{jobs['CANCELLED']}")).status_code, 200)
        jobs["PENDING"] = self.noop()
        for state, job_id in jobs.items():
            self.assertEqual(self.get(job_id).json()["status"], state, "setup")
        self.jobs.update(jobs)
        return jobs

    def test_every_state_has_its_word_in_every_dialect(self):
        for state, job_id in self.make_states().items():
            for name in NAMES:
                with self.subTest(state=state, dialect=name):
                    got = self.get(job_id, name, "query")
                    self.assertEqual(got.json()["status"], WORDS[name][state], got)

    def test_pending_filters_in_every_dialect(self):
        jobs = self.make_states()
        for word, state in (("PENDING", "PENDING"), ("queued", "PENDING"),
                            ("retrying", "RETRYING"), ("RETRYING", "RETRYING"),
                            ("cancelled", "CANCELLED"), ("FAILED", "FAILED")):
            with self.subTest(status=word):
                r = requests.get(self.api(f"/jobs?status={word}&limit=1000"))
                self.assertEqual(r.status_code, 200, r)
                self.assertIn(jobs[state], [j["id"] for j in r.json()["jobs"]])

    def test_fractional_progress_from_a_worker_heartbeat(self):
        declared = self.must_create({"type": "e2e.resize", "payload": {"w": 200}})
        leased = self.lease("e2e.resize")
        self.assertEqual(leased["id"], declared["id"])
        self.worker_post(leased, "heartbeat", progress=65.5, message="Validating 1500 rows")
        r = self.get(declared["id"])
        job = r.json()
        self.assertEqual((job["status"], job["progress"], job["message"]),
                         ("RUNNING", 65.5, "Validating 1500 rows"))
        self.assertEqual(raw_number(r.text, "progress"), "65.5", r.text)
        self.worker_post(leased, "complete", result={"ok": True})
        self.assertEqual(self.get(declared["id"]).json()["progress"], 100)

    def test_fractional_progress_in_seed_003s_words(self):
        declared = self.must_create({"task": "e2e.resize", "params": {"w": 200}}, 202)
        leased = self.lease("e2e.resize")
        self.assertEqual(leased["id"], declared["id"])
        self.worker_post(leased, "heartbeat", progress=65.5, message="Validating 1500 rows")
        job = self.get(declared["id"]).json()
        self.assertEqual((job["status"], job["progress"], job["message"]),
                         ("running", 65.5, "Validating 1500 rows"))
        for name in NAMES:
            with self.subTest(dialect=name):
                self.assertEqual(self.get(declared["id"], name).json()["progress"], 65.5)
        self.worker_post(leased, "complete", result={"ok": True})
        self.assertEqual(self.get(declared["id"]).json()["status"], "succeeded")

    def test_declared_external_type_accepted_undeclared_refused(self):
        self.must_create({"type": "e2e.resize", "payload": {}})
        # Finish it, leaving nothing of this type due for the progress test.
        self.worker_post(self.lease("e2e.resize"), "complete")
        r = requests.post(self.api("/jobs"), json={"type": "e2e.unknown", "payload": {}})
        self.must_problem(r, 422, "e2e.unknown")


class ServerDefaultDialectTest(DialectTestCase):
    """The operator's default applies to canonical submissions only; a seed shape keeps its own."""

    def check_default(self, server, canonical_code, word):
        job = self.must_create({"type": "square_sum", "payload": {"data": [1]}}, canonical_code,
                               server=server)
        self.wait_word(job["id"], word, server)
        seed = self.must_create({"operation": "square_sum", "data": [1]}, server=server)
        self.wait_word(seed["id"], "SUCCESS", server)
        task = self.must_create({"task": "square_sum", "params": {"data": [1]}}, 202,
                                server=server)
        self.wait_word(task["id"], "succeeded", server)
        return job

    def test_dialect_flag_sets_the_default(self):
        server = self.new_server(workers=1, extra=["--dialect", "completed"])
        job = self.check_default(server, 201, "COMPLETED")
        self.assertEqual(self.get(job["id"], "succeeded", server=server).json()["status"],
                         "SUCCEEDED")

    def test_dialect_env_sets_the_default(self):
        server = self.new_server(workers=1, env={"CONVEYOR_DIALECT": "queued"})
        self.check_default(server, 202, "succeeded")

    def test_unknown_dialect_flag_is_refused_at_start(self):
        tmp = tempfile.mkdtemp(prefix="conveyor-dialect-flag-")
        self.addCleanup(shutil.rmtree, tmp, True)
        p = subprocess.run([binary(), "serve", "--listen", "127.0.0.1:0", "--dialect", "klingon",
                            "--store", "sqlite:" + os.path.join(tmp, "c.db"),
                            "--data-dir", os.path.join(tmp, "data")],
                           capture_output=True, text=True, timeout=30 * slow(),
                           stdin=subprocess.DEVNULL)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("succeeded", p.stdout + p.stderr, "the error names the choices")


if __name__ == "__main__":
    unittest.main()
