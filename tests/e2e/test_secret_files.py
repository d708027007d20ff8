"""Secrets from files: --store-password-file / DATABASE_PASSWORD_FILE and SMTP_PASSWORD_FILE.

The PostgreSQL test runs its own throwaway server (pg_server.PgServer) where one role must log in
with a SCRAM password over TCP: without the password the node cannot start, with it read from a
file the node serves jobs, and the password (raw or percent-encoded) is in no log line, no
console output and no answer. A file that cannot be read is a start-up error naming the file.
"""

import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import pg_server
from conveyor_harness import Server, ServerTestCase, binary, slow

ROLE = "conveyor_app"
# Characters that must survive percent-encoding into the URL (no quote: it goes into SQL).
PASSWORD = "Pl4nted&Secret/pw%with spaces+plus"


def pg_available():
    return bool(pg_server.bin_dir()) or shutil.which("pg_ctl") is not None


class PasswordPg:
    """A PostgreSQL cluster where ROLE logs in with PASSWORD (scram-sha-256) over TCP."""

    def __enter__(self):
        self.pg = pg_server.PgServer().start()
        try:
            pg_server.psql(self.pg.url(), f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
            pg_server.psql(self.pg.url(), f"CREATE DATABASE secrets OWNER {ROLE}")
            hba = os.path.join(self.pg.dir, "data", "pg_hba.conf")
            with open(hba) as f:
                rules = f.read()
            # First match wins: the role must prove its password; the rest stays trusted so the
            # test itself can still administer the server as postgres.
            with open(hba, "w") as f:
                f.write(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n" + rules)
            pg_server.psql(self.pg.url(), "SELECT pg_reload_conf()")
        except Exception:
            self.pg.destroy()
            raise
        return self

    def __exit__(self, *exc):
        self.pg.destroy()

    def url(self):
        return f"postgresql://{ROLE}@127.0.0.1:{self.pg.port}/secrets"


class SecretFileTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="conveyor-secrets-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_binary(self, *args, env=None):
        full_env = dict(os.environ)
        for name in ("DATABASE_URL", "DATABASE_PASSWORD_FILE", "SMTP_PASSWORD",
                     "SMTP_PASSWORD_FILE"):
            full_env.pop(name, None)
        full_env.update(env or {})
        return subprocess.run([binary()] + list(args), capture_output=True, text=True,
                              env=full_env, timeout=60 * slow())

    def assert_no_secret(self, text, where, secret=PASSWORD):
        for form in (secret, urllib.parse.quote(secret, safe=""),
                     urllib.parse.quote_plus(secret)):
            self.assertNotIn(form, text, f"the secret appears in {where}")


@unittest.skipUnless(pg_available(), "PostgreSQL binaries are not installed")
class TestStorePasswordFile(SecretFileTestCase):
    def test_password_from_file_reaches_postgresql_and_is_never_shown(self):
        with PasswordPg() as pg:
            # The control: without the password this role cannot log in, so the node stops.
            refused = self.run_binary("migrate", "--store", pg.url())
            self.assertNotEqual(refused.returncode, 0, refused.stdout + refused.stderr)
            self.assertIn("password", (refused.stdout + refused.stderr).lower())

            pw_file = self.write("db-password", PASSWORD + "\n")
            migrated = self.run_binary("migrate", "--store", pg.url(),
                                       "--store-password-file", pw_file)
            self.assertEqual(migrated.returncode, 0, migrated.stdout + migrated.stderr)
            self.assert_no_secret(migrated.stdout + migrated.stderr, "migrate's output")

            s = self.new_server(workers=1, store=pg.url(), env={"DATABASE_PASSWORD_FILE": pw_file})
            job = self.must_submit(s, {"type": "square_sum", "payload": {"data": [3, 4]}})
            done = s.wait_for(job["id"], "SUCCEEDED")
            self.assertEqual(done["result"], 25)
            for path in ("/api/v1/nodes", "/admin/stats", "/metrics", f"/api/v1/jobs/{job['id']}"):
                self.assert_no_secret(s.request("GET", path).raw.decode("utf-8", "replace"), path)
            s.stop()
            with open(s.log_path) as f:
                self.assert_no_secret(f.read(), "the server log")

    def test_password_in_both_url_and_file_is_refused(self):
        pw_file = self.write("db-password", "other\n")
        out = self.run_binary("migrate", "--store", "postgresql://u:inline@127.0.0.1:1/db",
                              "--store-password-file", pw_file)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("not both", out.stderr)
        self.assert_no_secret(out.stdout + out.stderr, "the error", secret="inline")


class TestSecretFileStartupErrors(SecretFileTestCase):
    def test_unreadable_store_password_file_is_a_startup_error_naming_the_file(self):
        missing = os.path.join(self.dir, "no-such-password")
        for args, env in ((["--store-password-file", missing], {}),
                          ([], {"DATABASE_PASSWORD_FILE": missing})):
            with self.subTest(args=args, env=env):
                out = self.run_binary("serve", "--listen", "127.0.0.1:0",
                                      "--store", "postgresql://u@127.0.0.1:1/db", *args, env=env)
                self.assertNotEqual(out.returncode, 0)
                self.assertIn(missing, out.stderr)
                self.assertIn("cannot be read", out.stderr)

    def test_store_password_file_with_sqlite_store_is_refused(self):
        pw_file = self.write("db-password", "pw\n")
        out = self.run_binary("serve", "--listen", "127.0.0.1:0",
                              "--store", "sqlite:" + os.path.join(self.dir, "c.db"),
                              "--store-password-file", pw_file)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("postgres://", out.stderr)

    def test_unreadable_smtp_password_file_is_a_startup_error_naming_the_file(self):
        missing = os.path.join(self.dir, "no-smtp-password")
        out = self.run_binary("serve", "--listen", "127.0.0.1:0",
                              "--store", "sqlite:" + os.path.join(self.dir, "c.db"),
                              env={"SMTP_URL": "smtp://127.0.0.1:1025",
                                   "SMTP_PASSWORD_FILE": missing})
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("SMTP_PASSWORD_FILE " + missing, out.stderr)

    def test_readable_smtp_password_file_starts_and_is_not_logged(self):
        pw_file = self.write("smtp-password", PASSWORD + "\n")
        s = self.new_server(workers=1, env={"SMTP_URL": "smtp://127.0.0.1:1025",
                                            "SMTP_USERNAME": "mailer",
                                            "SMTP_PASSWORD_FILE": pw_file})
        self.assertEqual(s.request("GET", "/health").status, 200)
        s.stop()
        with open(s.log_path) as f:
            self.assert_no_secret(f.read(), "the server log")


if __name__ == "__main__":
    unittest.main()
