"""What the client puts on the wire and how it reads answers the real server does not give on
demand. TEST SEAM: a recording HTTP endpoint on 127.0.0.1 (http.server, real HTTP over
loopback) stands in for a server or a proxy in front of it; it records each request's headers
and answers with the status, headers and body the test sets."""

import http.server
import json
import threading
import unittest

import _support  # noqa: F401  (sys.path: the package)
from conveyor_client import Client, ConveyorError, InvalidRequest, Unavailable


class RecordingEndpoint:
    """Answers every request with `answer` = (status, headers dict, body bytes)."""

    def __init__(self):
        self.requests, self.answer = [], (200, {}, b"")
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                endpoint.requests.append((self.command, self.path, dict(self.headers), body))
                status, headers, data = endpoint.answer
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _any

            def log_message(self, *args):
                pass  # quiet tests

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


JOB = {"id": "01a2020d-3ed6-7119-8f23-b11784e040ca", "status": "PENDING", "type": "noop",
       "payload": {}, "is_new": True, "some_future_field": 1}
PROBLEM = "application/problem+json"


class WireTest(unittest.TestCase):
    def setUp(self):
        self.endpoint = RecordingEndpoint()
        self.addCleanup(self.endpoint.close)

    def client(self, **kwargs):
        c = Client(self.endpoint.url + "/base/", timeout=10, **kwargs)
        self.addCleanup(c.close)
        return c

    def test_api_key_is_sent_as_a_bearer_token_with_the_conveyor_dialect(self):
        self.endpoint.answer = (201, {"Content-Type": "application/json"},
                                json.dumps(JOB).encode())
        job = self.client(api_key="k-123").submit("noop", {"a": 1}, priority=2)
        method, path, headers, body = self.endpoint.requests[0]
        self.assertEqual((method, path), ("POST", "/base/api/v1/jobs"))
        self.assertEqual(headers.get("Authorization"), "Bearer k-123")
        self.assertEqual(headers.get("Conveyor-Dialect"), "succeeded")
        self.assertEqual(json.loads(body), {"type": "noop", "payload": {"a": 1}, "priority": 2})
        self.assertEqual(job.raw["some_future_field"], 1)

    def test_an_api_key_over_plain_http_beyond_loopback_warns_without_the_key(self):
        with self.assertWarns(UserWarning) as caught:
            Client("http://10.0.0.7:8000", api_key="secret-key-1")
        self.assertIn("https", str(caught.warning))
        self.assertNotIn("secret-key-1", str(caught.warning))

    def test_no_api_key_sends_no_authorization(self):
        self.endpoint.answer = (200, {"Content-Type": "application/json"},
                                json.dumps(JOB).encode())
        self.client().get(JOB["id"])
        self.assertNotIn("Authorization", self.endpoint.requests[0][2])

    def test_a_status_without_its_own_class_is_a_conveyor_error_with_retry_after(self):
        problem = {"type": "https://conveyor.dev/problems/rate-limited", "title": "Rate limited",
                   "status": 429, "detail": "too many submits; wait a second"}
        self.endpoint.answer = (429, {"Content-Type": PROBLEM, "Retry-After": "3"},
                                json.dumps(problem).encode())
        with self.assertRaises(ConveyorError) as caught:
            self.client().submit("noop")
        e = caught.exception
        self.assertEqual((type(e), e.status, e.problem, e.retry_after),
                         (ConveyorError, 429, problem, 3.0))
        self.assertEqual(e.detail, "too many submits; wait a second")

    def test_an_error_answer_that_is_not_json_still_raises_with_its_text(self):
        self.endpoint.answer = (503, {"Content-Type": "text/html"}, b"<h1>proxy: no upstream</h1>")
        with self.assertRaises(Unavailable) as caught:
            self.client().get(JOB["id"])
        self.assertEqual((caught.exception.status, caught.exception.problem), (503, {}))
        self.assertIn("no upstream", caught.exception.detail)

    def test_a_400_is_an_invalid_request(self):
        self.endpoint.answer = (400, {"Content-Type": PROBLEM},
                                b'{"status":400,"detail":"job id must be a UUID"}')
        with self.assertRaises(InvalidRequest):
            self.client().cancel("x")

    def test_a_success_whose_body_is_not_json_is_an_error_not_a_crash(self):
        self.endpoint.answer = (200, {"Content-Type": "text/plain"}, b"hello")
        with self.assertRaises(ConveyorError) as caught:
            self.client().get(JOB["id"])
        self.assertIn("not JSON", caught.exception.detail)


if __name__ == "__main__":
    unittest.main()
