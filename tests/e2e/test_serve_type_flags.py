"""Issue 10, against the real binary: MAX_RETRIES counts retries after the first attempt, as the
seeds' Celery does (attempts = 1 + MAX_RETRIES), --max-attempts keeps counting attempts, and
both together stop the server at start with a clear message; --external-types /
CONVEYOR_EXTERNAL_TYPES declare the types external workers serve (names, prefixes), so other
unserved types are a 422 at submit instead of waiting forever."""

import os
import subprocess
import tempfile
import unittest

from conveyor_harness import ServerTestCase, binary, slow

FAST_RETRY = ["--retry-base-ms", "10", "--retry-cap-ms", "50"]


def serve_exit(args, env_extra=None):
    """Runs `conveyor serve` with flags that must stop it at start; returns (code, output)."""
    with tempfile.TemporaryDirectory(prefix="conveyor-flags-") as d:
        env = dict(os.environ)
        for name in ("MAX_RETRIES", "CONVEYOR_EXTERNAL_TYPES"):
            env.pop(name, None)
        env.update(env_extra or {})
        p = subprocess.run([binary(), "serve", "--listen", "127.0.0.1:0", "--store",
                            f"sqlite:{d}/c.db", "--workers", "0"] + args,
                           capture_output=True, text=True, env=env, timeout=30 * slow())
        return p.returncode, p.stdout + p.stderr


class MaxRetriesTest(ServerTestCase):

    def always_fails(self, server):
        job = self.must_submit(server, {"type": "fail", "payload": {"message": "always"}})
        done = server.wait_for(job["id"], "FAILED", timeout=60)
        return job, done

    def test_max_retries_env_3_gives_4_attempts(self):
        s = self.new_server(workers=1, extra=FAST_RETRY, env={"MAX_RETRIES": "3"})
        job, done = self.always_fails(s)
        self.assertEqual(job["max_attempts"], 4, "1 + MAX_RETRIES")
        self.assertEqual((done["attempt"], done["max_attempts"]), (4, 4), done)

    def test_max_retries_flag_and_max_attempts_flag(self):
        s = self.new_server(workers=1, extra=FAST_RETRY + ["--max-retries", "0"])
        job, done = self.always_fails(s)
        self.assertEqual((job["max_attempts"], done["attempt"]), (1, 1), done)
        s = self.new_server(workers=1, extra=FAST_RETRY + ["--max-attempts", "2"])
        job, done = self.always_fails(s)
        self.assertEqual((job["max_attempts"], done["attempt"]), (2, 2), done)
        # The job's own max_attempts keeps its meaning: attempts in all.
        own = self.must_submit(s, {"type": "fail", "payload": {}, "max_attempts": 3})
        self.assertEqual(s.wait_for(own["id"], "FAILED", timeout=60)["attempt"], 3)

    def test_default_is_3_attempts(self):
        s = self.new_server(workers=0)
        self.assertEqual(self.must_submit(s, {"type": "noop", "payload": {}})["max_attempts"], 3)

    def test_max_attempts_with_max_retries_is_a_startup_error(self):
        for args, env in ((["--max-attempts", "2"], {"MAX_RETRIES": "3"}),
                          (["--max-attempts", "2", "--max-retries", "1"], {})):
            with self.subTest(args=args, env=env):
                code, out = serve_exit(args, env)
                self.assertNotEqual(code, 0, out)
                self.assertIn("not both", out)
                self.assertIn("--max-retries", out)


class ExternalTypesFlagTest(ServerTestCase):

    def test_env_declares_names_and_prefixes(self):
        s = self.new_server(workers=0, env={"CONVEYOR_EXTERNAL_TYPES": "images.*, billing.charge"})
        for t in ("images.resize", "billing.charge"):
            self.assertEqual(self.must_submit(s, {"type": t, "payload": {}})["status"],
                             "PENDING")
        self.must_problem(s.submit({"type": "billing.charg", "payload": {}}), 422,
                          detail_contains=["billing.charg'", "did you mean billing.charge?",
                                           "--external-types"])
        self.must_problem(s.submit({"type": "billing.refund", "payload": {}}), 422,
                          detail_contains="--external-types billing.refund")

    def test_star_accepts_every_type(self):
        s = self.new_server(workers=0, extra=["--external-types", "*"])
        self.must_submit(s, {"type": "anything.goes", "payload": {}})
        self.must_problem(s.submit({"type": "command.rm", "payload": {}}), 422,
                          detail_contains="not a declared command")

    def test_bad_entry_is_a_startup_error(self):
        code, out = serve_exit(["--external-types", "ok.name,has space"])
        self.assertNotEqual(code, 0, out)
        self.assertIn("--external-types entry 'has space'", out)


if __name__ == "__main__":
    unittest.main()
