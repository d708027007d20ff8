"""Bad input never crashes Conveyor nor gets a 500: each gets the right 4xx as problem+json.

Also: a slow client does not block others, and a request whose headers never finish is closed.
"""

import json
import socket
import threading
import time
import unittest
import uuid

from conveyor_harness import ServerTestCase, scaled, slow

MIB = 1024 * 1024
BIG_LIMIT = 3_000_000


def noop_body_of_size(n):
    """A valid noop submission of exactly n bytes."""
    head, tail = b'{"type":"noop","payload":{"pad":"', b'"}}'
    return head + b"a" * (n - len(head) - len(tail)) + tail


def post_raw(path, body, content_type="application/json", extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n").encode() + body


class BadInputTest(ServerTestCase):
    SERVER_ARGS = dict(workers=0, extra=["--external-types", "no_such_type"])

    def post(self, body, path="/api/v1/jobs", headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.server.request("POST", path, body, h)

    # ---- JSON and body shape ----

    def test_malformed_json_is_400(self):
        for body in (b'{"type": "noop",', b"not json", b"{'type': 'noop'}", b"",
                     b'{"type": "noop", "payload": {}} trailing', b'{"data": [NaN]}',
                     b'{"type": "noop", "payload": {"s": "\xff\xfe"}}'):
            with self.subTest(body=body[:40]):
                self.must_problem(self.post(body), 400, path="/api/v1/jobs")

    def test_body_not_an_object(self):
        for body in (b"[1, 2]", b'"noop"', b"42", b"null", b"true"):
            with self.subTest(body=body):
                r = self.post(body)
                self.assertIn(r.status, (400, 422), f"{r!r}")
                self.must_problem(r, r.status, path="/api/v1/jobs")

    def test_wrong_field_types_are_422_naming_the_field(self):
        cases = [
            ({"type": "noop", "payload": {}, "priority": "high"}, "priority"),
            ({"type": "noop", "payload": {}, "priority": 0}, "priority"),
            ({"type": "noop", "payload": {}, "priority": 11}, "priority"),
            ({"type": "noop", "payload": {}, "priority": 2.5}, "priority"),
            ({"data": "abc", "operation": "square_sum"}, "data"),
            ({"data": [1, "x"], "operation": "square_sum"}, "data[1]"),
            ({"data": [1, None, 3], "operation": "cube_sum"}, "data[1]"),
            ({"type": "square_sum", "payload": {"data": [1, 2, "3"]}}, "payload.data[2]"),
            ({"type": "square_sum", "payload": {}}, "payload.data"),
            ({"type": "square_sum", "payload": [1, 2]}, "payload"),
            ({"type": "noop", "payload": {}, "max_attempts": "three"}, "max_attempts"),
            ({"type": "noop", "payload": {}, "max_attempts": 0}, "max_attempts"),
            ({"type": "noop", "payload": {}, "timeout_s": -1}, "timeout_s"),
            ({"type": "noop", "payload": {}, "run_at": "yesterday"}, "run_at"),
            ({"type": "noop", "payload": {}, "expires_at": "2026-13-45T99:00:00Z"}, "expires_at"),
            ({"type": "noop", "payload": {}, "tags": "urgent"}, "tags"),
            ({"type": "noop", "payload": {}, "tags": [1, 2]}, "tags"),
            ({"type": "noop", "payload": {}, "depends_on": ["not-a-uuid"]}, "depends_on"),
            ({"type": "noop", "payload": {}, "queue": 7}, "queue"),
            ({"type": "noop", "payload": {}, "idempotency_key": 5}, "idempotency_key"),
            ({"type": 5, "payload": {}}, "type"),
            ({"payload": {}}, "type"),
            ({"type": "sleep", "payload": {"seconds": "long"}}, "seconds"),
            ({"type": "sleep", "payload": {"seconds": 3601}}, "seconds"),
            ({"type": "sleep", "payload": {"seconds": -1}}, "seconds"),
            ({"type": "fail", "payload": {"times": "x"}}, "times"),
            ({"type": "fail", "payload": {"retryable": "no"}}, "retryable"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.must_problem(self.post(body), 422, path="/api/v1/jobs",
                                  detail_contains=field)
        # scheduled_at is an alias of run_at: either name is a fine thing to point at
        p = self.must_problem(self.post({"type": "noop", "payload": {}, "scheduled_at": 12345}),
                              422)
        self.assertRegex(p["detail"], r"scheduled_at|run_at")

    def test_non_finite_numbers_are_rejected(self):
        # 1e999 is valid JSON grammar but overflows a double: either the parser refuses it
        # (400) or the handler says the number must be finite (422). Never accepted.
        for raw in (b'{"type": "square_sum", "payload": {"data": [1, 1e999]}}',
                    b'{"data": [-1e999], "operation": "cube_sum"}',
                    b'{"data": [Infinity], "operation": "cube_sum"}'):
            with self.subTest(raw=raw):
                r = self.post(raw)
                self.assertIn(r.status, (400, 422), f"non-finite number accepted? {r!r}")
                self.must_problem(r, r.status, path="/api/v1/jobs")

    def test_declared_type_without_builtin_handler_waits_for_an_external_worker(self):
        # Declared with --external-types (SERVER_ARGS): accepted, waiting for its worker.
        created = self.must_json(self.post({"type": "no_such_type", "payload": {}}), 201)
        self.assertEqual(created["status"], "PENDING", created)

    def test_undeclared_type_or_seed_task_name_with_bad_params_is_422(self):
        # Issue 10: no silent forever. An undeclared type is refused, with a suggestion; the
        # seed's task name is csv.validate's alias, whose payload rules apply.
        self.must_problem(self.post({"type": "no_such_typ", "payload": {}}), 422,
                          path="/api/v1/jobs", detail_contains="did you mean no_such_type?")
        self.must_problem(self.post({"task": "validate_csv_job", "params": {}}), 422,
                          path="/api/v1/jobs", detail_contains="payload.input_uri")

    def test_malformed_or_missing_job_type_is_422(self):
        for body in ({"type": "has space", "payload": {}},
                     {"type": "x" * 129, "payload": {}},
                     {"type": "", "payload": {}}):
            with self.subTest(body=body):
                self.must_problem(self.post(body), 422, path="/api/v1/jobs",
                                  detail_contains="type")

    def test_idempotency_key_header_and_field_disagree_the_header_wins(self):
        key = f"hdr-{uuid.uuid4().hex[:8]}"
        r = self.post({"type": "noop", "payload": {}, "idempotency_key": "a"},
                      headers={"Idempotency-Key": key})
        job = self.must_json(r, 201)
        self.assertEqual((job["idempotency_key"], r.headers.get("Idempotency-Key")), (key, key))
        self.assertIn("the header's key was used", job["warnings"][0])

    def test_batch_errors(self):
        s = self.server
        total_before = self.must_json(s.request("GET", "/admin/stats"), 200)["total"]
        self.must_problem(self.post({"jobs": []}, "/api/v1/jobs/batch"), 422)
        self.must_problem(self.post([], "/api/v1/jobs/batch"), 422)
        self.must_problem(self.post({"jobs": [{"type": "noop", "payload": {}}] * 1001},
                                    "/api/v1/jobs/batch"), 422, detail_contains="1000")
        r = self.post({"jobs": "noop"}, "/api/v1/jobs/batch")
        self.assertIn(r.status, (400, 422), f"{r!r}")
        self.must_problem(r, r.status)
        self.must_problem(self.post({"jobs": [{"type": "noop", "payload": {}}, 5]},
                                    "/api/v1/jobs/batch"), 422, detail_contains="jobs[1]")
        self.must_problem(self.post(b"[{", "/api/v1/jobs/batch"), 400)
        self.assertEqual(self.must_json(s.request("GET", "/admin/stats"), 200)["total"],
                         total_before, "no invalid batch may store anything")

    def test_deeply_nested_json_is_rejected_cleanly(self):
        depth = 100_000
        raw = b'{"type":"noop","payload":{"x":' + b"[" * depth + b"]" * depth + b"}}"
        r = self.post(raw)
        self.assertIn(r.status, (400, 413, 422), f"{r!r}")
        self.must_problem(r, r.status)

    # ---- content type, size, routes, methods ----

    def test_wrong_content_type_is_415(self):
        body = json.dumps({"type": "noop", "payload": {}}).encode()
        for ct in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                   "application/jsonx"):
            with self.subTest(ct=ct):
                self.must_problem(self.server.request("POST", "/api/v1/jobs", body,
                                                      {"Content-Type": ct}), 415,
                                  path="/api/v1/jobs")
        self.must_problem(self.server.request("POST", "/api/v1/jobs", body), 415,
                          path="/api/v1/jobs")
        for ct in ("application/json; charset=utf-8", "Application/JSON"):
            with self.subTest(ct=ct):
                r = self.server.request("POST", "/api/v1/jobs", body, {"Content-Type": ct})
                self.assertEqual(self.must_json(r, 201)["type"], "noop")

    def test_body_over_default_limit_is_413(self):
        body = noop_body_of_size(MIB + 1024)
        r = self.server.raw(post_raw("/api/v1/jobs", body), read_timeout=20)
        self.assertIsNotNone(r, "the server closed the connection without answering 413")
        self.must_problem(r, 413)
        # just under the limit is fine
        ok = self.server.request("POST", "/api/v1/jobs", noop_body_of_size(MIB - 1024),
                                 {"Content-Type": "application/json"})
        self.must_json(ok, 201)

    def test_unknown_route_is_404(self):
        for method, path in (("GET", "/nope"), ("GET", "/api/v1/nope"), ("GET", "/api/v2/jobs"),
                             ("POST", "/api/v1/workflows"),
                             ("GET", f"/api/v1/jobs/{uuid.uuid4()}/bogus"), ("GET", "/")):
            with self.subTest(path=path):
                self.must_problem(self.server.request(method, path), 404, path=path)

    def test_wrong_method_is_405_with_allow(self):
        jid = str(uuid.uuid4())
        cases = (("PUT", "/api/v1/jobs", {"GET", "POST"}),
                 ("DELETE", "/jobs", {"GET", "POST"}),
                 ("PATCH", f"/api/v1/jobs/{jid}", {"GET", "DELETE"}),
                 ("PUT", f"/jobs/{jid}", {"GET", "DELETE"}),
                 ("POST", f"/api/v1/jobs/{jid}/status", {"GET"}),
                 ("GET", f"/api/v1/jobs/{jid}/retry", {"POST"}),
                 ("DELETE", "/health", {"GET"}),
                 ("POST", "/admin/stats", {"GET"}))
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path)
                self.must_problem(r, 405, path=path)
                allow = {m.strip().upper() for m in (r.headers.get("Allow") or "").split(",")}
                self.assertTrue(allowed <= allow, f"Allow must list {allowed}: {r.headers}")

    def test_malformed_id_is_400(self):
        for bad in ("1", "not-a-uuid", "550e8400-e29b-41d4-a716-44665544000g",
                    "550e8400e29b41d4a716446655440000x", "%00"):
            for method, suffix in (("GET", ""), ("GET", "/status"), ("GET", "/result"),
                                   ("GET", "/events"), ("DELETE", ""), ("POST", "/retry")):
                path = f"/api/v1/jobs/{bad}{suffix}"
                with self.subTest(method=method, path=path):
                    self.must_problem(self.server.request(method, path), 400,
                                      detail_contains="uuid")

    def test_unknown_well_formed_id_is_404(self):
        jid = str(uuid.uuid4())
        self.must_problem(self.server.request("GET", f"/jobs/{jid}"), 404, path=f"/jobs/{jid}")
        jid7 = "01900000-0000-7000-8000-000000000000"
        self.must_problem(self.server.request("GET", f"/jobs/{jid7}/result"), 404)

    def test_list_parameter_errors(self):
        s = self.server
        self.must_problem(s.request("GET", "/api/v1/jobs?cursor=abc"), 400,
                          path="/api/v1/jobs", detail_contains="cursor")
        self.must_problem(s.request("GET", "/api/v1/jobs?cursor=1"), 400)
        for lim in ("0", "1001", "-5", "abc", "1.5"):  # "limit=" means no limit given, as forms send it
            with self.subTest(limit=lim):
                self.must_problem(s.request("GET", f"/api/v1/jobs?limit={lim}"), 422,
                                  path="/api/v1/jobs", detail_contains="limit")
        self.must_problem(s.request("GET", "/api/v1/jobs?status=DONEISH"), 422,
                          detail_contains=["status", "PENDING", "SUCCEEDED"])
        # Ignored, ?state= would answer every job as if it were the filtered ones.
        self.must_problem(s.request("GET", "/api/v1/jobs?state=RUNNING"), 422,
                          path="/api/v1/jobs", detail_contains=["?status=", "state"])
        for off in ("-1", "x"):
            with self.subTest(offset=off):
                r = s.request("GET", f"/api/v1/jobs?offset={off}")
                self.assertIn(r.status, (400, 422), f"{r!r}")
                self.must_problem(r, r.status, detail_contains="offset")
        self.must_json(s.request("GET", "/api/v1/jobs?limit=1000"), 200)
        self.must_json(s.request("GET", "/api/v1/jobs?limit=1"), 200)

    def test_headers_too_large_is_431(self):
        r = self.server.request("GET", "/health", headers={"X-Filler": "a" * (20 * 1024)})
        self.must_problem(r, 431)
        # 10 KiB of headers is within the 16 KiB limit
        r = self.server.request("GET", "/health", headers={"X-Filler": "a" * (10 * 1024)})
        self.must_json(r, 200)

    def test_raw_protocol_garbage(self):
        s = self.server
        for data in (b"GARBAGE\r\n\r\n", b"GET /health HTTP/9.9\r\n\r\n",
                     b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                     b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64):
            with self.subTest(data=data[:30]):
                r = s.raw(data, read_timeout=15, shutdown_write=True)
                if r is not None:
                    self.assertTrue(400 <= r.status < 500, f"{r!r}")
        self.must_json(s.request("GET", "/health"), 200)

    # ---- slow clients ----

    def test_slow_clients_do_not_block_others_and_are_closed(self):
        s = self.server
        slow_socks = []
        for _ in range(scaled(16, 4)):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
            slow_socks.append(sock)
        body_sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        body_sock.sendall(b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          b"application/json\r\nContent-Length: 100\r\n\r\n{\"type\":")
        slow_socks.append(body_sock)
        try:
            for i in range(20):
                r = s.request("GET", "/health", timeout=5)
                self.assertEqual(r.status, 200, f"request {i} while slow clients dangle: {r!r}")
            self.must_submit(s, {"type": "noop", "payload": {}})
            # The contract closes a request whose headers don't arrive within 10 s.
            sock = slow_socks[0]
            sock.settimeout(1)
            deadline = time.monotonic() + 10 + 15 * slow()
            closed = False
            data = b""
            while time.monotonic() < deadline and not closed:
                try:
                    c = sock.recv(65536)
                    if not c:
                        closed = True
                    data += c
                except socket.timeout:
                    continue
                except OSError:
                    closed = True
            self.assertTrue(closed, "a connection whose headers never finish is never closed")
            if data:
                self.assertRegex(data[:12], rb"^HTTP/1\.1 4\d\d", f"answer: {data[:200]!r}")
        finally:
            for sock in slow_socks:
                sock.close()
        self.must_json(s.request("GET", "/health"), 200)

    def test_zz_server_still_healthy_and_never_500(self):
        s = self.server
        self.assertTrue(s.running(), "the server process died")
        self.assertEqual(self.must_json(s.request("GET", "/health"), 200), {"status": "ok"})
        self.assertEqual(s.server_errors(0), [], "a 5xx was answered during the bad-input tests")


class BodyLimitTest(ServerTestCase):
    """--max-body-bytes moves the 413 limit; below it, big bodies reach validation."""

    SERVER_ARGS = dict(workers=0, extra=["--max-body-bytes", str(BIG_LIMIT)])

    def test_data_with_too_many_items_is_422(self):
        items = 100_001
        body = b'{"operation":"square_sum","data":[' + b"1," * (items - 1) + b"1]}"
        self.assertLess(len(body), BIG_LIMIT)
        r = self.server.request("POST", "/api/v1/jobs", body,
                                {"Content-Type": "application/json"}, timeout=60)
        self.must_problem(r, 422, path="/api/v1/jobs", detail_contains="data")
        self.assertIn("100000", r.body["detail"].replace(",", ""))

    def test_configured_limit(self):
        s = self.server
        r = s.request("POST", "/api/v1/jobs", noop_body_of_size(2 * MIB),
                      {"Content-Type": "application/json"}, timeout=60)
        self.must_json(r, 201)
        r = s.raw(post_raw("/api/v1/jobs", noop_body_of_size(BIG_LIMIT + 10)), read_timeout=30)
        self.assertIsNotNone(r, "the server closed the connection without answering 413")
        self.must_problem(r, 413)
        self.must_json(s.request("GET", "/health"), 200)


class PowerSumLimitFitsTheBodyLimitTest(ServerTestCase):
    """Issue 8, finding 11: the documented item limit of square_sum must be reachable under the
    default body limit (a million items never fit in 1 MiB)."""

    SERVER_ARGS = dict(workers=1)

    def test_largest_square_sum_fits_the_default_body_limit(self):
        items = 100_000
        body = b'{"operation":"square_sum","data":[' + b"123456789," * (items - 1) + b"1]}"
        self.assertLess(len(body), 1 << 20)
        job = self.must_json(self.server.request("POST", "/api/v1/jobs", body,
                                                 {"Content-Type": "application/json"}), 201)
        done = self.server.wait_for(job["id"], "SUCCEEDED", timeout=60)
        expected = (items - 1) * 123456789 ** 2 + 1  # past 64 bits: a double, so compare roughly
        self.assertAlmostEqual(done["result"] / expected, 1.0, places=9)


if __name__ == "__main__":
    unittest.main()
