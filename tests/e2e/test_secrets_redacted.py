"""Issue 8 finding 5: secrets never reach logs, the console or job JSON.

Servers start with planted secrets — a PostgreSQL URL whose password points at a closed port,
an SMTP_URL with user:password plus SMTP_PASSWORD, a WEBHOOK_SECRET — failures are triggered on
each path (store connection, libpq URL parsing, `conveyor migrate`, `--help`, a failed e-mail, a
failed signed webhook), and then the whole server log, every command's output and every job's
JSON and events are searched for the planted values, which must be absent. Each check also
asserts the failure was reported at all (user name / host present), so it cannot pass by
printing nothing.
"""

import base64
import json
import os
import socket
import subprocess
import unittest
import uuid

from conveyor_harness import Server, ServerError, ServerTestCase, binary


def closed_port():
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def planted(tag):
    return f"{tag}Pl4nted{uuid.uuid4().hex[:12]}"


class SecretsRedactedTest(ServerTestCase):
    def assert_absent(self, text, secrets, where):
        for secret in secrets:
            self.assertNotIn(secret, text, f"a planted secret leaked into {where}")

    def read_log(self, server):
        """Everything the server wrote; the harness's own "=====" lines (which quote the
        command line the test chose) are not the server's output."""
        with open(server.log_path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(line for line in lines if not line.startswith("===== "))

    def test_store_password_absent_from_serve_log_on_connection_error(self):
        password = planted("pg")
        url = f"postgresql://conveyor:{password}@127.0.0.1:{closed_port()}/conveyor"
        server = self.new_server(workers=1, store=url, extra=["--debug"], start=False)
        with self.assertRaises(ServerError):
            server.start(timeout=30)
        server.stopped_on_purpose = True  # exiting was the point
        log = self.read_log(server)
        self.assertIn("cannot", log, "the failure must be reported")
        self.assertIn("conveyor:***@127.0.0.1", log, "the URL is shown, redacted")
        self.assert_absent(log, [password], "the serve log")

    def test_store_password_absent_from_libpq_parse_errors_migrate_and_help(self):
        password = planted("pg%zz")  # libpq quotes the bad percent-escape it cannot decode
        url = f"postgresql://conveyor:{password}@127.0.0.1:{closed_port()}/conveyor"
        env = dict(os.environ, DATABASE_URL=url)
        env.pop("CONVEYOR_STORE", None)
        for args in (["migrate"], ["migrate", "--store", url], ["serve", "--help"],
                     ["migrate", "--help"]):
            p = subprocess.run([binary()] + args, capture_output=True, text=True, env=env,
                               timeout=60)
            out = p.stdout + p.stderr
            self.assertIn("conveyor", out, f"{args}: nothing printed")
            self.assert_absent(out, [password, password.replace("%", "%25")], f"`{args}`")
            if args[-1] != "--help":
                self.assertNotEqual(p.returncode, 0, f"{args} should fail: {out}")

    def test_smtp_and_webhook_secrets_absent_from_log_and_job_json(self):
        smtp_url_password, smtp_password = planted("smtpurl"), planted("smtp")
        webhook_secret = "whsec_" + base64.b64encode(planted("wh").encode()).decode()
        port = closed_port()
        server = self.new_server(workers=2, extra=["--debug"], env={
            "SMTP_URL": f"smtp://mailer:{smtp_url_password}@127.0.0.1:{port}",
            "SMTP_USERNAME": "mailer", "SMTP_PASSWORD": smtp_password,
            "SMTP_FROM": "noreply@example.com", "WEBHOOK_SECRET": webhook_secret,
            "WEBHOOK_MAX_RETRIES": "0"})
        mail = self.must_submit(server, {
            "type": "email.send", "max_attempts": 1,
            "payload": {"to": "ops@example.com", "subject": "hi", "body": "x"}})
        hook = self.must_submit(server, {
            "type": "square_sum", "payload": {"data": [1]},
            "webhook_url": f"http://127.0.0.1:{closed_port()}/hook"})
        failed = server.wait_for(mail["id"], "FAILED", timeout=60)
        self.assertIn("mailer:***@127.0.0.1", failed["error"], "the error names the server")
        server.wait_for(hook["id"], "SUCCEEDED", timeout=30)
        server.wait_until(lambda: server.request(
            "GET", f"/api/v1/jobs/{hook['id']}/deliveries").body["deliveries"][0]["state"]
            == "failed", 30, "the webhook delivery to fail")
        secrets = [smtp_url_password, smtp_password, webhook_secret, webhook_secret[6:]]
        for job_id in (mail["id"], hook["id"]):
            for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/events",
                         f"/api/v1/jobs/{job_id}/deliveries"):
                self.assert_absent(json.dumps(server.request("GET", path).body), secrets, path)
        listing = server.request("GET", "/api/v1/jobs?limit=100").body
        self.assert_absent(json.dumps(listing), secrets, "the job list")
        server.stop()
        self.assert_absent(self.read_log(server), secrets, "the server log")


if __name__ == "__main__":
    unittest.main()
