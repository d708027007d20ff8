"""Seed 000 (the document pipeline service) against `conveyor serve`: every example of its README.

The seed's requests are run with `curl` as written; only the port changes (8000 → the server's
port, in URLs and in the webhook_url inside the body) and <job_id> is filled in. Its POST /jobs
example is an HTTP request rather than a curl line, so this is the curl a reader would type for it,
with the body copied verbatim. Covered:

- Create a Job: 201, job_id, doc_id, status PENDING, is_new, and the seed's message "Job created
  and queued for processing"; the same doc_id again → 200 with the existing job and is_new false,
  whatever the body (the seed: "duplicate doc_id submissions return existing jobs"); missing
  fields → 422. test_seed_000_client.py runs the seed's client loop.
- Get Job Status: SUCCEEDED, result {original_data, processed_at, data_hash}, current_step
  "deliver", created_at (the seed's completed_at is finished_at).
- Webhook Receiver: the bare `curl -X POST .../webhook-receiver`, deliveries from the pipeline,
  duplicates dropped by idempotency key, signatures checked when WEBHOOK_SECRET is set.
- Health Check, the five job states (RETRYING and FAILED through a failing receiver), the
  WEBHOOK_* configuration variables, and JSON log lines carrying job_id.
`docker-compose up --build` has no Conveyor counterpart: `make run` / `conveyor serve` replaces
the whole stack (one binary, SQLite), so that example is not run.
"""

import base64
import hashlib
import hmac
import http.server
import json
import shutil
import socketserver
import subprocess
import threading
import time
import unittest
import uuid

from conveyor_harness import ServerTestCase, is_uuid, slow

SEED_CREATE = """curl -X POST http://localhost:8000/jobs \\
  -H "Content-Type: application/json" \\
  -d '{
    "doc_id": "unique-document-id",
    "payload": {"key": "value", "data": 123},
    "webhook_url": "http://localhost:8000/webhook-receiver"
}'"""
SEED_GET = "curl http://localhost:8000/jobs/<job_id>"
SEED_RECEIVER = "curl -X POST http://localhost:8000/webhook-receiver"
SEED_HEALTH = "curl http://localhost:8000/health"

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def sign(msg_id, body):
    """Standard Webhooks headers for `body`, signed with SECRET."""
    key = base64.b64decode(SECRET[len("whsec_"):])
    ts = str(int(time.time()))
    mac = hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": ts,
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def data_hash(value):
    """The documented definition of data_hash (docs/handlers.md)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Receiver:
    """An external receiver on 127.0.0.1:0: answers `codes` in turn (then 200) and records every
    request's headers and body."""

    def __init__(self, codes=(), always=None):
        self.codes = list(codes)
        self.always = always
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.requests.append({"headers": {k.lower(): v for k, v in
                                                       self.headers.items()},
                                           "body": json.loads(body)})
                    n = len(outer.requests)
                    code = outer.always or (outer.codes[n - 1] if n <= len(outer.codes) else 200)
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def received(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Seed000Base(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("curl") is None:
            raise unittest.SkipTest("curl is not installed: the seed examples need it")
        super().setUpClass()

    def curl(self, command, job_id=None, server=None):
        """Runs a seed command with only the port (and <job_id>) substituted; returns JSON."""
        server = server or self.server
        cmd = command.replace("localhost:8000", f"localhost:{server.port}")
        if job_id is not None:
            cmd = cmd.replace("<job_id>", job_id)
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=30 * slow())
        self.assertEqual(p.returncode, 0, f"`{cmd}` failed: {p.stderr.decode()[-500:]}")
        try:
            return json.loads(p.stdout.decode())
        except ValueError:
            self.fail(f"`{cmd}` did not print JSON: {p.stdout[:500]!r}")

    def submit_doc(self, server, webhook_url, doc_id=None, payload=None):
        body = {"doc_id": doc_id or f"doc-{uuid.uuid4().hex[:12]}",
                "payload": payload if payload is not None else {"key": "value", "data": 123},
                "webhook_url": webhook_url}
        job = self.must_submit(server, body, path="/jobs")
        self.cancel_at_end(server, job["id"])
        return body, job

    def receipts(self, server, limit=1000):
        return self.must_json(server.request("GET", f"/webhook-receiver?limit={limit}"),
                              200)["receipts"]

    def check_result(self, job, payload):
        result = job["result"]
        self.assertEqual(set(result), {"original_data", "processed_at", "data_hash"}, job)
        self.assertEqual(result["original_data"], payload)
        self.assertEqual(result["data_hash"], data_hash(payload))
        self.assertRegex(result["processed_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class SeedExamplesTest(Seed000Base):
    """The README's examples, on a server signing and checking with WEBHOOK_SECRET."""

    SERVER_ARGS = dict(workers=2, env={"WEBHOOK_SECRET": SECRET, "DEBUG": "true"})

    def test_readme_examples_with_curl(self):
        created = self.curl(SEED_CREATE)
        self.assertTrue(is_uuid(created.get("job_id")), f"create answer: {created}")
        self.assertIn(created["status"], ("PENDING", "RUNNING", "SUCCEEDED"))
        self.assertIs(created["is_new"], True)
        self.assertEqual(created["idempotency_key"], "unique-document-id")
        self.assertEqual(created["doc_id"], "unique-document-id", "the seed's response field")
        self.assertEqual(created["message"], "Job created and queued for processing")
        self.assertEqual(created["payload"]["doc_id"], "unique-document-id")
        self.assertEqual(created["max_attempts"], 6, "1 + WEBHOOK_MAX_RETRIES (default 5)")
        job = self.server.wait_until(
            lambda: (lambda b: b if b.get("status") == "SUCCEEDED" else None)(
                self.curl(SEED_GET, created["job_id"])), 20, "the seed's job to succeed")
        self.assertEqual(job["job_id"], created["job_id"])
        self.assertEqual(job["current_step"], "deliver")
        self.check_result(job, {"key": "value", "data": 123})
        self.assertTrue(job["created_at"] and job["finished_at"], job)
        self.assertEqual(job["completed_at"], job["finished_at"], "the seed's completed_at")
        self.assertEqual(job["doc_id"], "unique-document-id")
        self.assertIsNone(job["webhook_url"], "the deliver step is the only notification")
        # The same doc_id and body: the existing job.
        again = self.curl(SEED_CREATE)
        self.assertEqual((again["job_id"], again["is_new"]), (created["job_id"], False))
        # It delivered, signed, to the server's own /webhook-receiver.
        mine = [r for r in self.receipts(self.server)
                if r["idempotency_key"] == created["job_id"]]
        self.assertEqual(len(mine), 1, "one delivery")
        self.assertTrue(mine[0]["signature_verified"])
        self.assertEqual(mine[0]["body"]["doc_id"], "unique-document-id")
        self.assertEqual(mine[0]["body"]["result"], job["result"])
        # The bare POST of the README is refused here: this server checks signatures.
        bare = self.curl(SEED_RECEIVER)
        self.assertEqual(bare["status"], 401, bare)
        self.assertIn("webhook-signature", bare["detail"])
        self.assertEqual(self.curl(SEED_HEALTH), {"status": "ok"})

    def test_same_doc_id_with_another_body_returns_the_existing_job(self):
        # The seed: "duplicate doc_id submissions return existing jobs", whatever the body.
        body, job = self.submit_doc(self.server, f"{self.server.base_url}/webhook-receiver")
        same = self.must_json(self.server.submit(body, path="/jobs"), 200)
        self.assertEqual((same["id"], same["is_new"]), (job["id"], False))
        other = dict(body, payload={"key": "other"})
        again = self.must_json(self.server.submit(other, path="/jobs"), 200)
        self.assertEqual((again["id"], again["is_new"]), (job["id"], False))
        self.assertEqual(again["payload"]["payload"], body["payload"], "the first body is kept")
        moved = dict(body, webhook_url="http://127.0.0.1:9/elsewhere")
        self.assertEqual(self.must_json(self.server.submit(moved, path="/jobs"), 200)["id"],
                         job["id"])

    def test_invalid_documents_are_422(self):
        url = f"{self.server.base_url}/webhook-receiver"
        cases = [({"doc_id": "d", "webhook_url": url}, "payload"),
                 ({"doc_id": 7, "payload": {}, "webhook_url": url}, "doc_id"),
                 ({"doc_id": "", "payload": {}}, "doc_id"),
                 ({"doc_id": "d", "payload": {}, "webhook_url": "ftp://x/y"}, "webhook_url"),
                 ({"doc_id": "d", "payload": {}, "webhook_url": "http://169.254.169.254/x"},
                  "169.254.169.254")]
        for body, field in cases:
            with self.subTest(body=body):
                self.must_problem(self.server.submit(body, path="/jobs"), 422, path="/jobs",
                                  detail_contains=field)

    def test_duplicate_delivery_is_dropped_by_the_receiver(self):
        _, job = self.submit_doc(self.server, f"{self.server.base_url}/webhook-receiver")
        done = self.server.wait_for(job["id"], "SUCCEEDED")
        mine = [r for r in self.receipts(self.server) if r["idempotency_key"] == job["id"]]
        self.assertEqual(len(mine), 1)
        # The same delivery again (a retry after a lost answer): same key, signed afresh.
        original = mine[0]
        raw = json.dumps(original["body"], separators=(",", ":"))
        resend = self.must_json(self.server.request(
            "POST", "/webhook-receiver", raw,
            dict(sign(job["id"], raw), **{"Content-Type": "application/json",
                                          "Idempotency-Key": job["id"]})), 200)
        self.assertEqual(resend, {"received": True, "duplicate": True,
                                  "idempotency_key": job["id"]})
        self.assertEqual(
            len([r for r in self.receipts(self.server) if r["idempotency_key"] == job["id"]]), 1)
        # A delivery whose signature does not verify is refused, not recorded.
        forged = sign("forged-1", raw)
        forged["webhook-signature"] = "v1,AAAA"
        self.must_problem(self.server.request("POST", "/webhook-receiver", raw, forged), 401,
                          path="/webhook-receiver", detail_contains="webhook-signature")
        self.assertEqual(done["result"], original["body"]["result"])

    def test_logs_are_json_lines_with_the_job_id(self):
        _, job = self.submit_doc(self.server, f"{self.server.base_url}/webhook-receiver")
        self.server.wait_for(job["id"], "SUCCEEDED")

        def logged():
            with open(self.server.log_path, encoding="utf-8", errors="replace") as f:
                lines = [json.loads(line) for line in f if line.startswith("{")]
            return [e for e in lines if e.get("job_id") == job["id"]]
        events = self.server.wait_until(logged, 10, "log lines naming the job")
        for e in events:
            self.assertIn("event", e)
            self.assertIn("level", e)


class UnsignedReceiverTest(Seed000Base):
    """Without WEBHOOK_SECRET the README's bare POST is accepted, and a duplicate is dropped."""

    SERVER_ARGS = dict(workers=2)

    def test_bare_post_and_duplicate(self):
        self.assertEqual(self.curl(SEED_RECEIVER),
                         {"received": True, "duplicate": False, "idempotency_key": None})
        _, job = self.submit_doc(self.server, f"{self.server.base_url}/webhook-receiver")
        self.server.wait_for(job["id"], "SUCCEEDED")
        mine = [r for r in self.receipts(self.server) if r["idempotency_key"] == job["id"]]
        self.assertEqual(len(mine), 1)
        self.assertFalse(mine[0]["signature_verified"])
        dup = self.must_json(self.server.request(
            "POST", "/webhook-receiver", mine[0]["body"], {"Idempotency-Key": job["id"]}), 200)
        self.assertEqual(dup, {"received": True, "duplicate": True, "idempotency_key": job["id"]})
        self.assertEqual(
            len([r for r in self.receipts(self.server) if r["idempotency_key"] == job["id"]]), 1)
        newest = self.receipts(self.server, limit=1)
        self.assertEqual(len(newest), 1)


class DeliveryRetriesTest(Seed000Base):
    """RETRYING while the receiver fails, then SUCCEEDED or FAILED; WEBHOOK_MAX_RETRIES=2."""

    # Backoff up to 1 s per retry (full jitter) keeps the test short and leaves time to see
    # RETRYING between attempts.
    SERVER_ARGS = dict(workers=2, env={"WEBHOOK_MAX_RETRIES": "2", "WEBHOOK_TIMEOUT_SECONDS": "5",
                                       "WEBHOOK_RETRY_BACKOFF_BASE": "2"},
                       extra=["--retry-base-ms", "1000", "--retry-cap-ms", "1000"])

    def watch(self, job_id, until, timeout=30):
        """Polls the job until it reaches `until`; returns the (status, current_step) seen."""
        seen = []
        deadline = time.monotonic() + timeout * slow()
        while time.monotonic() < deadline:
            job = self.must_json(self.server.get_job(job_id), 200)
            seen.append((job["status"], job["current_step"]))
            if job["status"] == until:
                return job, seen
            self.assertNotIn(job["status"], ("SUCCEEDED", "FAILED", "CANCELLED"),
                             f"ended {job['status']}, expected {until}: {job}")
            time.sleep(0.01)
        self.fail(f"{job_id} not {until} after {timeout}s: {seen[-5:]}")

    def transitions(self, job_id):
        return [e["to"] for e in self.server.events(job_id)]

    def test_retrying_then_succeeded(self):
        receiver = Receiver(codes=[503, 500])
        self.addCleanup(receiver.close)
        body, job = self.submit_doc(self.server, receiver.url)
        self.assertEqual(job["max_attempts"], 3, "1 + WEBHOOK_MAX_RETRIES")
        done, seen = self.watch(job["id"], "SUCCEEDED")
        self.assertEqual(done["attempt"], 3)
        self.assertEqual(done["current_step"], "deliver")
        self.check_result(done, body["payload"])
        self.assertEqual(self.transitions(job["id"]).count("RETRYING"), 2)
        got = receiver.received()
        self.assertEqual(len(got), 3)
        keys = {r["headers"]["idempotency-key"] for r in got}
        self.assertEqual(keys, {job["id"]}, "every attempt carries the same key")
        self.assertEqual({r["headers"]["content-type"] for r in got}, {"application/json"})
        self.assertEqual(got[-1]["body"]["result"], done["result"])
        self.seen_retrying = [s for s in seen if s[0] == "RETRYING"]
        for state in self.seen_retrying:
            self.assertEqual(state, ("RETRYING", "deliver"))

    def test_retrying_then_failed(self):
        receiver = Receiver(always=500)
        self.addCleanup(receiver.close)
        _, job = self.submit_doc(self.server, receiver.url)
        failed, seen = self.watch(job["id"], "FAILED")
        retrying = [s for s in seen if s[0] == "RETRYING"]
        # Two waits of up to 1 s each; a poll every 10 ms sees at least one of them.
        self.assertTrue(retrying, f"never saw RETRYING: {seen}")
        self.assertEqual(set(retrying), {("RETRYING", "deliver")})
        self.assertEqual((failed["attempt"], failed["current_step"]), (3, "deliver"))
        self.assertIn("500", failed["error"])
        self.assertIsNone(failed["result"])
        self.assertEqual(self.transitions(job["id"]).count("RETRYING"), 2)
        self.assertEqual(len(receiver.received()), 3)

    def test_client_error_fails_at_once(self):
        receiver = Receiver(always=404)
        self.addCleanup(receiver.close)
        _, job = self.submit_doc(self.server, receiver.url)
        failed = self.server.wait_for(job["id"], "FAILED")
        self.assertEqual((failed["attempt"], failed["current_step"]), (1, "deliver"))
        self.assertIn("404", failed["error"])
        self.assertEqual(len(receiver.received()), 1)


if __name__ == "__main__":
    unittest.main()
