"""Hostile reproductions of issue 8 findings 2 and 3 against the real binary.

Finding 2: a csv.correct job with input_uri /proc/self/environ handed the server's secrets back
as its artifact. Local inputs now come only from the input directories (<data-dir>/inputs and
--input-dir): refused at submit with 422, and again when the job runs (a symlink planted inside
an input directory), without the secret in any answer.
Finding 3: a 150-byte csv.validate pattern froze every route for 24 s. Now 422 at once, while a
concurrent /health prober keeps being answered.

Run: cd tests/e2e && CONVEYOR_BIN=../../build/conveyor python3 -m unittest -v hostile_csvin
"""
import os
import tempfile
import shutil
import time
import unittest

from conveyor_harness import HealthProber, ServerTestCase

CANARY = "csvin-canary-7f3a9c"
HEALTH_BOUND_S = 5.0


class CsvInputConfinementTest(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.extra_dir = tempfile.mkdtemp(prefix="conveyor-csvin-extra-")
        self.addCleanup(shutil.rmtree, self.extra_dir, True)
        self.s = self.new_server(workers=1, extra=["--input-dir", self.extra_dir],
                                 env={"SMTP_PASSWORD": CANARY, "CSVIN_CANARY": CANARY})
        self.inputs = os.path.join(self.s.tmpdir, "inputs")  # <data-dir>/inputs, made at start

    def assertNoCanary(self, resp):
        self.assertNotIn(CANARY, resp.raw.decode("utf-8", "replace"), f"secret leaked: {resp!r}")

    def test_proc_self_environ_is_refused_at_submit_without_leaking(self):
        with HealthProber(self.s) as prober:
            for uri in ["/proc/self/environ", "file:///proc/self/environ", "/etc/shadow",
                        self.inputs + "/../conveyor.db", "file://" + self.s.db]:
                r = self.s.submit({"type": "csv.correct",
                                   "payload": {"input_uri": uri, "delimiter": "|"}})
                self.must_problem(r, 422, detail_contains="input directories")
                self.assertNoCanary(r)
                self.assertNotIn(self.s.tmpdir, r.raw.decode(), "no server path in the answer")
        self.assertEqual(prober.failures, [])

    def test_symlink_out_of_an_input_dir_fails_the_job_without_leaking(self):
        os.symlink("/proc/self/environ", os.path.join(self.inputs, "env.csv"))
        job = self.must_submit(self.s, {"type": "csv.correct", "payload": {
            "input_uri": os.path.join(self.inputs, "env.csv"), "delimiter": "|"}})
        done = self.s.wait_for(job["id"], ["FAILED"], timeout=30)
        self.assertIn("symbolic link", str(done.get("error")), done)
        self.assertEqual(done.get("attempt"), 1, "a refused input is not retried")
        self.assertNotIn(CANARY, str(done))
        r = self.s.request("GET", f"/api/v1/jobs/{job['id']}/artifact")
        self.must_problem(r, 404)
        self.assertNoCanary(r)

    def test_files_under_data_dir_inputs_and_input_dir_are_read(self):
        for d in [self.inputs, self.extra_dir]:
            path = os.path.join(d, "in.csv")
            with open(path, "w") as f:
                f.write("a,b\n 1 ,2\n")
            job = self.must_submit(self.s, {"type": "csv.correct",
                                            "payload": {"input_uri": "file://" + path}})
            self.s.wait_for(job["id"], ["SUCCEEDED"], timeout=30)
            r = self.s.request("GET", f"/api/v1/jobs/{job['id']}/artifact")
            self.must_status(r, 200)
            self.assertIn("1,2", r.raw.decode())


class CsvExplosivePatternTest(ServerTestCase):

    def test_explosive_pattern_is_answered_with_422_quickly(self):
        s = self.new_server(workers=1)
        os.makedirs(os.path.join(s.tmpdir, "inputs"), exist_ok=True)
        spec = {"type": "csv.validate", "payload": {
            "input_uri": os.path.join(s.tmpdir, "inputs", "x.csv"),
            "ruleset": {"columns": [{"name": "a", "type": "regex",
                                     "pattern": "((a{1,200}){1,200}){1,100}"}]}}}
        with HealthProber(s) as prober:
            for _ in range(5):
                start = time.monotonic()
                r = s.submit(spec)
                took = time.monotonic() - start
                self.must_problem(r, 422, detail_contains="pattern")
                self.assertLess(took, HEALTH_BOUND_S, "answered quickly, not after 24 s")
            time.sleep(0.5)  # a few probes after the attack too
        self.assertEqual(prober.failures, [])
        self.assertGreater(prober.answered, 0)


if __name__ == "__main__":
    unittest.main()
