"""CORS: off by default; `--cors-origin` lists the exact browser origins allowed to call the API.

A preflight (OPTIONS with Origin and Access-Control-Request-Method) from a listed origin to an
existing route is answered 204 with the route's methods, the request headers the API reads and
Max-Age 600; answers to a listed origin carry Access-Control-Allow-Origin and Vary: Origin; an
unlisted origin gets nothing a browser would accept. "*" and malformed origins stop the start.
"""

import os
import subprocess
import tempfile
import unittest

from conveyor_harness import ServerTestCase, binary, slow

APP = "https://app.example.com"
DEV = "http://localhost:3000"
EVIL = "https://evil.example.net"


def preflight(server, path, origin, method="POST", headers="content-type, authorization"):
    return server.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers})


def cors_headers(resp):
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


class TestCorsOffByDefault(ServerTestCase):
    SERVER_ARGS = {"workers": 1}

    def test_no_cors_headers_and_preflight_is_refused_without_the_flag(self):
        r = preflight(self.server, "/api/v1/jobs", APP)
        self.must_problem(r, 405)
        self.assertEqual(cors_headers(r), {})
        r = self.server.request("GET", "/health", headers={"Origin": APP})
        self.assertEqual(r.status, 200)
        self.assertEqual(cors_headers(r), {})
        self.assertIsNone(r.headers.get("Vary"))


class TestCorsListedOrigins(ServerTestCase):
    SERVER_ARGS = {"workers": 1, "extra": ["--cors-origin", APP + ", " + DEV,
                                           "--cors-origin", "https://Other.Example.org:8443"]}

    def test_preflight_from_listed_origin_answered_before_anything_else(self):
        r = preflight(self.server, "/api/v1/jobs", APP)
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], APP)
        self.assertEqual(r.headers["Vary"], "Origin")
        methods = {m.strip() for m in r.headers["Access-Control-Allow-Methods"].split(",")}
        self.assertEqual(methods, {"GET", "POST"})
        allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
        self.assertTrue({"authorization", "content-type", "idempotency-key", "x-correlation-id",
                         "conveyor-dialect"} <= allowed, allowed)
        self.assertEqual(r.headers["Access-Control-Max-Age"], "600")
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))
        # A route with a path parameter answers its own methods.
        r = preflight(self.server, "/jobs/0190a8a0-0000-7000-8000-000000000000", DEV, "DELETE")
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], DEV)
        self.assertIn("DELETE", r.headers["Access-Control-Allow-Methods"])

    def test_listed_origin_gets_allow_origin_on_answers_including_errors(self):
        job = self.must_submit(self.server, {"type": "square_sum", "payload": {"data": [2]}},
                               headers={"Origin": APP})
        r = self.server.request("GET", f"/api/v1/jobs/{job['id']}", headers={"Origin": DEV})
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], DEV)
        self.assertEqual(r.headers["Vary"], "Origin")
        self.assertIn("X-Correlation-Id", r.headers["Access-Control-Expose-Headers"])
        missing = self.server.request("GET", "/api/v1/jobs/0190a8a0-0000-7000-8000-000000000000",
                                      headers={"Origin": APP})
        self.must_problem(missing, 404)
        self.assertEqual(missing.headers["Access-Control-Allow-Origin"], APP)
        # Configured in mixed case: the scheme and host compare as browsers send them.
        r = self.server.request("GET", "/health",
                                headers={"Origin": "https://other.example.org:8443"})
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://other.example.org:8443")

    def test_unlisted_origin_gets_no_allow_origin_and_no_preflight(self):
        r = self.server.request("GET", "/health", headers={"Origin": EVIL})
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))
        self.assertEqual(r.headers["Vary"], "Origin")
        for origin in (EVIL, APP + "/", "null", APP + ".evil.net", "http://app.example.com"):
            with self.subTest(origin=origin):
                r = preflight(self.server, "/api/v1/jobs", origin)
                self.must_problem(r, 405)
                self.assertEqual(cors_headers(r), {})

    def test_preflight_to_unknown_path_is_404_and_without_request_method_is_405(self):
        r = preflight(self.server, "/api/v1/nothing-here", APP)
        self.must_problem(r, 404)
        self.assertNotIn("Access-Control-Allow-Methods", r.headers)
        r = self.server.request("OPTIONS", "/api/v1/jobs", headers={"Origin": APP})
        self.must_problem(r, 405)
        self.assertNotIn("Access-Control-Allow-Methods", r.headers)


class TestCorsStartupErrors(unittest.TestCase):
    def refused(self, *args):
        with tempfile.TemporaryDirectory(prefix="conveyor-cors-") as d:
            done = subprocess.run(
                [binary(), "serve", "--listen", "127.0.0.1:0",
                 "--store", "sqlite:" + os.path.join(d, "c.db")] + list(args),
                capture_output=True, text=True, timeout=60 * slow())
        self.assertNotEqual(done.returncode, 0, f"{args} must be refused at start")
        return done.stdout + done.stderr

    def test_wildcard_origin_is_refused_because_keys_are_involved(self):
        out = self.refused("--cors-origin", "*")
        self.assertIn("credentials", out)
        self.assertIn("https://app.example.com", out)

    def test_origin_with_a_path_or_without_a_scheme_is_refused(self):
        for bad in ("https://app.example.com/", "app.example.com", "https://a.example.com/x",
                    "ftp://a.example.com"):
            with self.subTest(origin=bad):
                self.assertIn("not an origin", self.refused("--cors-origin", bad))


if __name__ == "__main__":
    unittest.main()
