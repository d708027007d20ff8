"""API keys end to end (docs/security.md): a server with --auth on refuses every route but
/health and /ready without a key; a key made with `conveyor keys create` beside the running
server works within about a second, and a revoked one stops working as fast; on two PostgreSQL
nodes a key made or revoked through one node's /api/v1/keys holds on the other; a server that
listens beyond loopback checks keys by default and refuses to start with --auth off; the CLI
client sends CONVEYOR_API_KEY; no key text reaches the server log.
"""

import os
import subprocess
import time
import unittest

from conveyor_harness import (PostgresServerTestCase, Server, ServerError, ServerTestCase,
                              binary, slow)

PROPAGATION_S = 5.0  # the contract is about a second; the bound is generous for a busy machine


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def keys_cli(*args, store):
    return subprocess.run([binary(), "keys", *args, "--store", store], capture_output=True,
                          text=True, timeout=30 * slow())


class WideServer(Server):
    """A server listening on every address (0.0.0.0), reached through 127.0.0.1."""

    def command(self):
        cmd = super().command()
        cmd[cmd.index("127.0.0.1:0")] = "0.0.0.0:0"
        return cmd


class AuthOnTest(ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=["--auth", "on"])

    def make_key(self, name, scopes, *extra):
        r = keys_cli("create", "--name", name, "--scopes", scopes, *extra, store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def wait_status(self, path, key, status, what):
        return self.server.wait_until(
            lambda: self.server.request("GET", path, headers=bearer(key)).status == status,
            PROPAGATION_S, what)

    def test_only_health_and_ready_answer_without_a_key(self):
        for path in ("/health", "/ready"):
            self.assertEqual(self.server.request("GET", path).status, 200, path)
        for method, path in (("GET", "/api/v1/jobs"), ("POST", "/api/v1/jobs"),
                             ("GET", "/metrics"), ("GET", "/admin/stats"),
                             ("POST", "/api/v1/leases"), ("GET", "/api/v1/queues")):
            r = self.server.request(method, path, {} if method == "POST" else None)
            self.must_problem(r, 401, detail_contains="Authorization: Bearer")
            self.assertIn("Bearer", r.headers.get("WWW-Authenticate", ""))

    def test_a_key_made_beside_the_running_server_works_at_once_and_revoking_stops_it(self):
        key = self.make_key("e2e-client", "jobs:submit,jobs:read")
        self.wait_status("/api/v1/jobs", key, 200, "the new key to be accepted")
        job = self.must_submit(self.server, {"type": "noop", "payload": {}}, headers=bearer(key))
        got = self.server.request("GET", f"/api/v1/jobs/{job['id']}", headers=bearer(key))
        self.assertEqual(got.status, 200)
        # Reading is not managing: cancel needs jobs:manage.
        r = self.server.request("DELETE", f"/api/v1/jobs/{job['id']}", headers=bearer(key))
        self.must_problem(r, 403, detail_contains="jobs:manage")
        r = keys_cli("revoke", "e2e-client", store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_status("/api/v1/jobs", key, 401, "the revoked key to be refused")
        listed = keys_cli("list", store=self.server.store)
        self.assertIn("revoked", listed.stdout)
        self.assertNotIn(key.split("_")[2], listed.stdout, "a secret in `keys list`")

    def test_the_cli_client_sends_conveyor_api_key_and_no_key_reaches_the_log(self):
        key = self.make_key("e2e-cli", "jobs:submit,jobs:read")
        self.wait_status("/api/v1/jobs", key, 200, "the new key to be accepted")
        env = dict(os.environ, CONVEYOR_URL=self.server.base_url, CONVEYOR_API_KEY=key)
        ok = subprocess.run([binary(), "submit", "noop"],
                            capture_output=True, text=True, env=env, timeout=30 * slow())
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        env.pop("CONVEYOR_API_KEY")
        refused = subprocess.run([binary(), "submit", "noop"],
                                 capture_output=True, text=True, env=env, timeout=30 * slow())
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("401", refused.stdout + refused.stderr)
        # Wrong keys too: a presented key is never logged, right or wrong.
        self.server.request("GET", "/api/v1/jobs", headers=bearer(key + "0"))
        log = self.server.settled_log()
        self.assertNotIn(key.split("_")[2], log, "a key's secret in the server log")

    def test_admin_routes_manage_keys_and_bad_input_is_422(self):
        admin = self.make_key("e2e-admin", "admin")
        self.wait_status("/api/v1/keys", admin, 200, "the admin key to be accepted")
        for body, field in (({"name": "x", "scopes": ["root"]}, "scope"),
                            ({"name": "bad name", "scopes": ["admin"]}, "name"),
                            ({"name": "x", "scopes": ["jobs:read"], "job_types": ["a"]},
                             "workers"),
                            ({"name": "x", "scopes": ["admin"], "expires_in": "-1d"},
                             "expires_in"),
                            ({"name": "x", "scopes": ["admin"], "colour": "red"}, "colour")):
            with self.subTest(body=body):
                r = self.server.request("POST", "/api/v1/keys", body, headers=bearer(admin))
                self.must_problem(r, 422, detail_contains=field)
        made = self.must_json(self.server.request(
            "POST", "/api/v1/keys", {"name": "e2e-worker", "scopes": ["workers"],
                                     "job_types": ["e2e.*"]}, headers=bearer(admin)), 201)
        worker = made["key"]
        r = self.server.request("POST", "/api/v1/leases", {"worker_id": "w", "types": ["noop"]},
                                headers=bearer(worker))
        self.must_problem(r, 403, detail_contains="noop")
        listed = self.must_json(self.server.request("GET", "/api/v1/keys", headers=bearer(admin)),
                                200)
        names = {k["name"]: k for k in listed["keys"]}
        self.assertEqual(names["e2e-worker"]["job_types"], ["e2e.*"])
        self.assertNotIn(worker.split("_")[2], str(listed))
        self.must_json(self.server.request("DELETE", "/api/v1/keys/e2e-worker",
                                           headers=bearer(admin)), 200)
        self.wait_status("/api/v1/keys", worker, 401, "the revoked worker key to be refused")


class KeyRateLimitTest(ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=["--auth", "on", "--key-jobs-rate", "2/hour"])

    def make_key(self, name, *extra):
        r = keys_cli("create", "--name", name, "--scopes", "jobs:submit,jobs:read", *extra,
                     store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        self.server.wait_until(
            lambda: self.server.request("GET", "/health", headers=bearer(key)).status == 200
            and self.server.request("GET", "/api/v1/jobs?limit=1", headers=bearer(key)).status
            in (200, 429), PROPAGATION_S, "the new key to be accepted")
        return key

    def test_a_spent_request_window_is_429_with_retry_after_and_ratelimit_then_recovers(self):
        wait_past_hour_boundary()
        key = self.make_key("e2e-fast", "--rate", "2/second")
        answers = [self.server.request("GET", "/api/v1/jobs?limit=1", headers=bearer(key))
                   for _ in range(10)]
        limited = [r for r in answers if r.status == 429]
        self.assertTrue(limited, [r.status for r in answers])
        self.assertLessEqual(sum(r.status == 200 for r in answers), 4)  # two windows at most
        r = limited[0]
        self.must_problem(r, 429, detail_contains="limit")
        self.assertIn(r.headers.get("Retry-After"), ("1",))
        self.assertIn('"requests";q=2;w=1', r.headers.get("RateLimit-Policy", ""))
        self.assertIn('"requests";r=0;t=', r.headers.get("RateLimit", ""))
        time.sleep(1.1)
        ok = self.server.request("GET", "/api/v1/jobs?limit=1", headers=bearer(key))
        self.assertEqual(ok.status, 200, "the next window must let the key in again")
        self.assertIn('"requests";q=2;w=1', ok.headers.get("RateLimit-Policy", ""))

    def test_jobs_per_window_count_each_job_of_a_batch(self):
        wait_past_hour_boundary()
        key = self.make_key("e2e-jobs")  # the server's default: 2 jobs per hour
        batch = [{"type": "noop", "payload": {}}] * 3
        r = self.server.request("POST", "/api/v1/jobs/batch", {"jobs": batch}, headers=bearer(key))
        self.must_problem(r, 429, detail_contains="split it")
        for _ in range(2):
            self.must_submit(self.server, {"type": "noop", "payload": {}}, headers=bearer(key))
        r = self.server.request("POST", "/api/v1/jobs", {"type": "noop", "payload": {}},
                                headers=bearer(key))
        self.must_problem(r, 429, detail_contains="jobs")
        self.assertGreater(int(r.headers.get("Retry-After", "0")), 0)
        listed = self.server.request("GET", "/api/v1/jobs", headers=bearer(key))
        self.assertEqual(listed.status, 200, "reading is not submitting: no jobs limit on it")


def wait_past_hour_boundary():
    """Hour-long windows are aligned to the epoch: keep a test from straddling two."""
    left = 3600 - time.time() % 3600
    if left < 15:
        time.sleep(left + 0.5)


class BeyondLoopbackTest(unittest.TestCase):
    def test_listening_beyond_loopback_checks_keys_and_refuses_auth_off(self):
        server = WideServer(workers=0)
        try:
            self.assertEqual(server.request("GET", "/health").status, 200)
            self.assertEqual(server.request("GET", "/api/v1/jobs").status, 401)
        finally:
            server.close()
        off = WideServer(workers=0, extra=["--auth", "off"], start=False)
        try:
            with self.assertRaises(ServerError) as caught:
                off.start(timeout=10)
            self.assertIn("--auth off is refused", str(caught.exception))
        finally:
            off.close()


class AuthTwoNodesPostgresTest(PostgresServerTestCase):

    def test_a_key_made_or_revoked_on_one_node_holds_on_the_other(self):
        url = self.pg.create_database("auth_two_nodes")
        a = self.new_server(workers=0, store=url, extra=["--auth", "on"])
        b = self.new_server(workers=0, store=url, extra=["--auth", "on"])
        r = keys_cli("create", "--name", "root", "--scopes", "admin", store=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        admin = r.stdout.strip()
        a.wait_until(lambda: a.request("GET", "/api/v1/keys", headers=bearer(admin)).status == 200,
                     PROPAGATION_S, "node a to accept the admin key")
        made = self.must_json(a.request("POST", "/api/v1/keys",
                                         {"name": "reader", "scopes": ["jobs:read"]},
                                         headers=bearer(admin)), 201)
        reader = made["key"]
        b.wait_until(lambda: b.request("GET", "/api/v1/jobs", headers=bearer(reader)).status == 200,
                     PROPAGATION_S, "node b to accept a key made on node a")
        self.must_json(b.request("DELETE", "/api/v1/keys/reader", headers=bearer(admin)), 200)
        a.wait_until(lambda: a.request("GET", "/api/v1/jobs", headers=bearer(reader)).status == 401,
                     PROPAGATION_S, "node a to refuse a key revoked on node b")

    def test_a_key_rate_limit_is_one_budget_over_both_nodes(self):
        url = self.pg.create_database("auth_rate_two_nodes")
        a = self.new_server(workers=0, store=url, extra=["--auth", "on"])
        b = self.new_server(workers=0, store=url, extra=["--auth", "on"])
        wait_past_hour_boundary()
        r = keys_cli("create", "--name", "shared", "--scopes", "jobs:read", "--rate", "6/hour",
                     store=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        for node in (a, b):
            node.wait_until(lambda n=node: n.request("GET", "/health").status == 200
                            and n.request("GET", "/api/v1/jobs?limit=1",
                                          headers=bearer(key)).status == 200,
                            PROPAGATION_S, "the key to be accepted")  # one request each
        for node in (a, a, b, b):  # 4 more: 6 in all, spread over both nodes
            self.assertEqual(node.request("GET", "/api/v1/jobs?limit=1",
                                          headers=bearer(key)).status, 200)
            time.sleep(0.3)  # past a 100 ms sync
        for node in (a, b):  # the shared budget is spent on both
            r = node.request("GET", "/api/v1/jobs?limit=1", headers=bearer(key))
            self.must_problem(r, 429, detail_contains="limit")
            self.assertIn("Retry-After", r.headers)


if __name__ == "__main__":
    unittest.main()
