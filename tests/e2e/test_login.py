"""The dashboard's login end to end (docs/security.md, "Dashboard login"): a password hash from
`conveyor hash-password`, a server started with --admin-user and the hash and session secret in
files, a login that sets an HttpOnly SameSite=Strict cookie, cookie-authenticated reads, changes
refused without the X-CSRF-Token and accepted with it, and start-up refusing a user without a
hash or a hash `hash-password` did not make. The password and the secret never reach the log.
"""

import os
import subprocess
import tempfile

from conveyor_harness import Server, ServerError, ServerTestCase, binary, slow

PASSWORD = "e2e-correct-horse-battery"
SECRET = "9f" * 32


def hash_password(text):
    return subprocess.run([binary(), "hash-password"], input=text + "\n", capture_output=True,
                          text=True, timeout=30 * slow())


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return path


class LoginTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.TemporaryDirectory()
        made = hash_password(PASSWORD)
        assert made.returncode == 0, made.stderr
        cls.hash = made.stdout.strip()
        cls.server = Server(workers=1, extra=[
            "--auth", "on", "--admin-user", "ops",
            "--admin-password-hash-file", write(cls.dir.name, "hash", cls.hash),
            "--session-secret-file", write(cls.dir.name, "secret", SECRET)])
        cls._class_servers.append(cls.server)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.dir.cleanup()

    def login(self, body):
        r = self.server.request("POST", "/api/v1/login", body)
        cookie = r.headers.get("Set-Cookie", "")
        return r, cookie.split(";")[0]

    def test_a_password_login_opens_a_session_whose_changes_need_the_csrf_token(self):
        self.assertTrue(self.hash.startswith("scrypt$15$8$1$"), self.hash)
        r, cookie = self.login({"user": "ops", "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)
        set_cookie = r.headers["Set-Cookie"]
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, set_cookie)
        csrf = r.body["csrf_token"]
        self.assertIn("admin", r.body["scopes"])
        self.assertEqual(self.server.request("GET", "/api/v1/queues",
                                             headers={"Cookie": cookie}).status, 200)
        r = self.server.request("POST", "/api/v1/queues/default/pause", {},
                                headers={"Cookie": cookie})
        self.must_problem(r, 403, detail_contains="X-CSRF-Token")
        r = self.server.request("POST", "/api/v1/queues/default/pause", {},
                                headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 200, r.body)
        r = self.server.request("POST", "/api/v1/queues/default/resume", {},
                                headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual(r.status, 200, r.body)
        who = self.must_json(self.server.request("GET", "/api/v1/session",
                                                 headers={"Cookie": cookie}), 200)
        self.assertEqual((who["subject"], who["csrf_token"]), ("ops", csrf))
        r, _ = self.login({"user": "ops", "password": "wrong-password"})
        self.must_problem(r, 401, detail_contains="wrong")
        log = self.server.settled_log()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(SECRET, log)
        self.assertNotIn(cookie.split("=", 1)[1], log, "a session token in the log")

    def test_start_refuses_a_user_without_a_hash_and_a_hash_it_did_not_make(self):
        self.assertNotEqual(hash_password("short").returncode, 0)
        for extra, words in ((["--admin-user", "ops"], "go together"),
                             (["--admin-user", "ops", "--admin-password-hash-file",
                               write(self.dir.name, "bad", "md5$abc")], "hash-password"),
                             (["--session-secret-file", write(self.dir.name, "tiny", "abc")],
                              "32 bytes")):
            with self.subTest(extra=extra):
                bad = Server(workers=0, extra=["--auth", "on", *extra], start=False)
                try:
                    with self.assertRaises(ServerError) as caught:
                        bad.start(timeout=10)
                    self.assertIn(words, str(caught.exception))
                finally:
                    bad.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
