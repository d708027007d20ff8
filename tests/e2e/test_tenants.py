"""Tenants end to end, on SQLite and on PostgreSQL (docs/security.md, "Tenants and plans"): two
tenants made with `conveyor tenants set` and keyed with `conveyor keys create --tenant` beside a
running server. Each sees and manages only its own jobs: on every route that names a job (get,
status, result, events, artifact, deliveries, redeliver, cancel, retry) another tenant's job is
a 404 in the same words as a job that does not exist, and a listing holds only its own jobs.
Idempotency keys and doc_ids are per tenant; jobs run in the plan's queue; a tenant's keys share
its plan's rate limits (429, then the other tenant is untouched).
"""

import subprocess
import time
import unittest

from conveyor_harness import PostgresServerTestCase, Server, ServerTestCase, binary, slow

PROPAGATION_S = 5.0
MISSING = "0190a6b8-3b7c-7d2e-8f00-00000000abcd"


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def cli(*args, store):
    return subprocess.run([binary(), *args, "--store", store], capture_output=True, text=True,
                          timeout=30 * slow())


class TenantsMixin:
    """Tests over self.server (auth on, one worker, an admin key sent by default)."""

    def tenant_key(self, tenant, plan, name):
        r = cli("tenants", "set", tenant, "--plan", plan, store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = cli("keys", "create", "--name", name, "--scopes", "jobs:submit,jobs:read,jobs:manage",
                "--tenant", tenant, store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        self.server.wait_until(
            lambda: self.server.request("GET", "/api/v1/jobs?limit=1",
                                        headers=bearer(key)).status == 200,
            PROPAGATION_S, f"{name} to be accepted")
        return key

    def submit_as(self, key, spec, **headers):
        r = self.server.request("POST", "/api/v1/jobs", spec, headers={**bearer(key), **headers})
        return self.must_json(r, 200, 201)

    def test_each_tenant_reaches_only_its_own_jobs_on_every_route(self):
        acme = self.tenant_key("acme", "free", "acme-app")
        globex = self.tenant_key("globex", "pro", "globex-app")
        job = self.submit_as(acme, {"type": "noop", "payload": {}})
        self.assertEqual(job["tenant"], "acme")
        self.assertEqual(job["queue"], "queue:free")
        self.server.wait_for(job["id"], "SUCCEEDED")
        routes = [("GET", "/api/v1/jobs/{}"), ("GET", "/api/v1/jobs/{}/status"),
                  ("GET", "/api/v1/jobs/{}/result"), ("GET", "/api/v1/jobs/{}/events"),
                  ("GET", "/api/v1/jobs/{}/artifact"), ("GET", "/api/v1/jobs/{}/deliveries"),
                  ("POST", "/api/v1/jobs/{}/deliveries/1/redeliver"),
                  ("POST", "/api/v1/jobs/{}/retry"), ("DELETE", "/api/v1/jobs/{}")]
        for method, path in routes:
            with self.subTest(route=path, method=method):
                body = {} if method == "POST" else None
                hidden = self.server.request(method, path.format(job["id"]), body,
                                             headers=bearer(globex))
                absent = self.server.request(method, path.format(MISSING), body,
                                             headers=bearer(globex))
                self.must_problem(hidden, 404, detail_contains=f"job {job['id']} not found")
                self.assertEqual(hidden.body["detail"].replace(job["id"], "ID"),
                                 absent.body["detail"].replace(MISSING, "ID"))
                own = self.server.request(method, path.format(job["id"]), body,
                                          headers=bearer(acme))
                detail = own.body.get("detail", "") if isinstance(own.body, dict) else ""
                self.assertNotEqual(detail, f"job {job['id']} not found", f"{method} {path}")
        # Listings: each tenant its own, the admin every job.
        self.submit_as(globex, {"type": "noop", "payload": {}})
        mine = self.must_json(self.server.request("GET", "/api/v1/jobs?limit=100",
                                                  headers=bearer(acme)), 200)["jobs"]
        self.assertEqual({j["tenant"] for j in mine}, {"acme"})
        theirs = self.must_json(self.server.request("GET", "/api/v1/jobs?limit=100",
                                                    headers=bearer(globex)), 200)["jobs"]
        self.assertEqual({j["tenant"] for j in theirs}, {"globex"})
        everyone = self.must_json(self.server.request("GET", "/api/v1/jobs?limit=100"), 200)["jobs"]
        self.assertLessEqual({"acme", "globex"}, {j.get("tenant") for j in everyone})

    def test_idempotency_keys_and_doc_ids_are_per_tenant_and_plans_pick_the_queue(self):
        initech = self.tenant_key("initech", "business", "initech-app")
        umbrella = self.tenant_key("umbrella", "enterprise", "umbrella-app")
        spec = {"type": "noop", "payload": {}}
        a = self.submit_as(initech, spec, **{"Idempotency-Key": "order-1"})
        b = self.submit_as(umbrella, spec, **{"Idempotency-Key": "order-1"})
        self.assertNotEqual(a["id"], b["id"])
        again = self.submit_as(initech, spec, **{"Idempotency-Key": "order-1"})
        self.assertEqual(again["id"], a["id"])
        self.assertFalse(again["is_new"])
        doc = {"doc_id": "contract-9", "payload": {"text": "hello"}}
        self.assertNotEqual(self.submit_as(initech, doc)["id"], self.submit_as(umbrella, doc)["id"])
        self.assertEqual(a["queue"], "queue:business")
        self.assertEqual(b["queue"], "queue:enterprise")
        r = self.server.request("POST", "/api/v1/jobs", {"type": "noop", "plan": "enterprise"},
                                headers=bearer(initech))
        self.must_problem(r, 403, detail_contains="business plan")
        # A plan change reaches the running server within about a second.
        r = cli("tenants", "set", "initech", "--plan", "pro", store=self.server.store)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.server.wait_until(
            lambda: self.submit_as(initech, spec)["queue"] == "queue:pro", PROPAGATION_S,
            "the plan change to reach the server")
        listed = cli("tenants", "list", store=self.server.store)
        self.assertIn("initech\tpro\tqueue:pro", listed.stdout)


class TenantsSqliteTest(TenantsMixin, ServerTestCase):
    SERVER_ARGS = dict(workers=1, extra=["--auth", "on", "--plan-rate", "free=none",
                                         "--plan-rate", "pro=none"])

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.use_admin_key()


class TenantsPostgresTest(TenantsMixin, PostgresServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(workers=1, store=cls.pg.create_database("tenants"),
                            extra=["--auth", "on", "--plan-rate", "free=none",
                                   "--plan-rate", "pro=none"])
        cls._class_servers.append(cls.server)  # stopped by tearDownClass
        cls.server.use_admin_key()

    def test_a_tenants_plan_budget_is_shared_by_its_keys_over_two_nodes(self):
        url = self.pg.create_database("tenants_two_nodes")
        flags = ["--auth", "on", "--plan-jobs-rate", "free=4/hour"]
        a = self.new_server(workers=0, store=url, extra=flags)
        b = self.new_server(workers=0, store=url, extra=flags)
        left = 3600 - time.time() % 3600  # hour windows are aligned to the epoch
        if left < 15:
            time.sleep(left + 0.5)
        self.assertEqual(cli("tenants", "set", "hooli", "--plan", "free", store=url).returncode, 0)
        self.assertEqual(cli("tenants", "set", "pied", "--plan", "free", store=url).returncode, 0)
        keys = {}
        for name, tenant in (("hooli-1", "hooli"), ("hooli-2", "hooli"), ("pied-1", "pied")):
            r = cli("keys", "create", "--name", name, "--scopes", "jobs:submit", "--tenant", tenant,
                    store=url)
            self.assertEqual(r.returncode, 0, r.stderr)
            keys[name] = r.stdout.strip()
        spec = {"type": "noop", "payload": {}}
        for node, key in ((a, "hooli-1"), (b, "hooli-2")):
            node.wait_until(lambda n=node, k=key: n.request(
                "POST", "/api/v1/jobs", spec, headers=bearer(keys[k])).status == 201,
                PROPAGATION_S, f"{key} to be accepted")  # one job each
        for node, key in ((a, "hooli-1"), (b, "hooli-2")):  # 4 in all, over two keys and nodes
            time.sleep(0.3)  # past a 100 ms sync
            self.must_json(node.request("POST", "/api/v1/jobs", spec, headers=bearer(keys[key])),
                           201)
        time.sleep(0.3)
        for node, key in ((a, "hooli-1"), (b, "hooli-2")):
            r = node.request("POST", "/api/v1/jobs", spec, headers=bearer(keys[key]))
            self.must_problem(r, 429, detail_contains="jobs")
            self.assertIn("Retry-After", r.headers)
        self.must_json(b.request("POST", "/api/v1/jobs", spec, headers=bearer(keys["pied-1"])), 201)


if __name__ == "__main__":
    unittest.main()
