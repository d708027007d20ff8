"""Webhooks end to end: the real `conveyor serve` delivering to real receivers (webhook_receiver.py,
Python standard library) over loopback — signatures verified by the receiver, retries and their
attempt log, timeouts, 410, Retry-After, the deliveries routes, the URL policy at submit and at
connect time, and pending deliveries surviving kill -9. Small backoffs keep it fast.
"""

import datetime
import json
import socket
import unittest
import uuid

from conveyor_harness import ServerError, ServerTestCase
from webhook_receiver import ReceiverMixin, start_receiver, verify_signature

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FAST_RETRIES = {"WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_BACKOFF_BASE": "0.05",
                "WEBHOOK_MAX_RETRIES": "3", "WEBHOOK_TIMEOUT_SECONDS": "1.5"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class WebhookCase(ReceiverMixin, ServerTestCase):
    def url(self, path, port=None):
        return f"http://127.0.0.1:{port or self.rx.port}{path}"

    def finished_job(self, server, webhook_url, payload=None):
        job = self.must_submit(server, {"type": "square_sum", "webhook_url": webhook_url,
                                        "payload": payload or {"data": [1, 2, 3]}})
        server.wait_for(job["id"], "SUCCEEDED")
        return job["id"]

    def deliveries(self, server, job_id):
        return self.must_json(server.request("GET", f"/api/v1/jobs/{job_id}/deliveries"), 200)

    def settled(self, server, job_id, n=1, timeout=20, pred=None):
        """Waits until delivery n is no longer pending (or pred holds); returns it."""
        pred = pred or (lambda d: d["state"] != "pending")

        def check():
            ds = self.deliveries(server, job_id)["deliveries"]
            return ds[n - 1] if len(ds) >= n and pred(ds[n - 1]) else None
        return server.wait_until(check, timeout, f"delivery {n} of {job_id} to settle")


class WebhookDeliveryTest(WebhookCase):
    SERVER_ARGS = {"workers": 1, "env": FAST_RETRIES}

    def test_signed_event_verified_by_the_receiver(self):
        job_id = self.finished_job(self.server, self.url("/verify/" + SECRET))
        d = self.settled(self.server, job_id)
        self.assertEqual(d["state"], "delivered", d)
        self.assertEqual(d["webhook_id"], job_id + ".1")
        self.assertEqual(d["event"], "job.succeeded")
        [got] = self.received(job_id)
        self.assertEqual(got["status"], 200)
        self.assertEqual(got["headers"]["webhook-id"], job_id + ".1")
        self.assertEqual(got["headers"]["idempotency-key"], job_id + ".1")
        self.assertEqual(got["headers"]["content-type"], "application/json")
        self.assertTrue(verify_signature(SECRET, got["headers"], got["body"].encode()))
        self.assertFalse(verify_signature("whsec_" + "QUFB" * 8, got["headers"], got["body"].encode()))
        event = json.loads(got["body"])
        self.assertEqual(event, d["payload"], "the stored payload is what was sent")
        self.assertEqual(event["type"], "job.succeeded")
        data = event["data"]
        self.assertEqual((data["id"], data["type"], data["status"]), (job_id, "square_sum", "SUCCEEDED"))
        self.assertEqual(data["result"], self.must_json(
            self.server.request("GET", f"/api/v1/jobs/{job_id}"), 200)["result"])
        self.assertIsNone(data["error"])
        for key in ("created_at", "started_at", "finished_at"):
            self.assertTrue(data[key].endswith("Z"), data)
            parse_time(data[key])
        self.assertEqual(d["attempt_log"][0]["status_code"], 200)

    def test_flaky_receiver_delivered_after_n_plus_one_attempts(self):
        job_id = self.finished_job(self.server, self.url("/flaky/e2e-flaky/2"))
        d = self.settled(self.server, job_id)
        self.assertEqual(d["state"], "delivered", d)
        self.assertEqual(d["attempts"], 3)
        self.assertEqual([a["status_code"] for a in d["attempt_log"]], [500, 500, 200])
        self.assertEqual([a["attempt"] for a in d["attempt_log"]], [1, 2, 3])
        got = self.received(job_id)
        self.assertEqual(len(got), 3)
        self.assertEqual({g["headers"]["webhook-id"] for g in got}, {job_id + ".1"})
        self.assertEqual(len({g["body"] for g in got}), 1, "every retry sends the same bytes")

    def test_hanging_receiver_times_out_and_is_retried(self):
        job_id = self.finished_job(self.server, self.url("/sleep/5"))
        d = self.settled(self.server, job_id)
        self.assertEqual(d["state"], "failed", d)
        self.assertEqual(d["attempts"], 4)  # 1 + WEBHOOK_MAX_RETRIES
        self.assertIn("timed out", d["attempt_log"][0]["error"])
        self.assertIn("gave up after 4 attempts", d["last_error"])

    def test_gone_stops_at_once(self):
        job_id = self.finished_job(self.server, self.url("/status/410"))
        d = self.settled(self.server, job_id)
        self.assertEqual((d["state"], d["attempts"], d["last_status"]), ("failed", 1, 410), d)
        self.assertIn("410 Gone", d["last_error"])

    def test_too_many_requests_waits_for_retry_after(self):
        job_id = self.finished_job(self.server, self.url("/retry-after/e2e-ra/1"))
        d = self.settled(self.server, job_id)
        self.assertEqual(d["state"], "delivered", d)
        first, second = d["attempt_log"]
        self.assertEqual(first["status_code"], 429)
        gap = parse_time(second["at"]) - parse_time(first["at"])
        self.assertGreaterEqual(gap.total_seconds(), 1.0, d)

    def test_redeliver_route(self):
        job_id = self.finished_job(self.server, self.url("/ok"))
        self.assertEqual(self.settled(self.server, job_id)["state"], "delivered")
        r = self.server.request("POST", f"/api/v1/jobs/{job_id}/deliveries/1/redeliver")
        again = self.must_json(r, 202)
        self.assertEqual((again["n"], again["state"], again["webhook_id"]), (2, "pending", job_id + ".2"))
        self.assertEqual(self.settled(self.server, job_id, n=2)["state"], "delivered")
        got = self.received(job_id)
        self.assertEqual([g["headers"]["webhook-id"] for g in got], [job_id + ".1", job_id + ".2"])
        self.assertEqual(got[0]["body"], got[1]["body"])
        # Without the prefix too, like every route.
        self.must_json(self.server.request("GET", f"/jobs/{job_id}/deliveries"), 200)

    def test_deliveries_routes_refuse_unknown_or_malformed(self):
        unknown = str(uuid.uuid4())
        self.must_problem(self.server.request("GET", f"/api/v1/jobs/{unknown}/deliveries"), 404)
        job_id = self.finished_job(self.server, self.url("/ok"))
        self.must_problem(self.server.request(
            "POST", f"/api/v1/jobs/{job_id}/deliveries/99/redeliver"), 404)
        self.must_problem(self.server.request(
            "POST", f"/api/v1/jobs/{unknown}/deliveries/1/redeliver"), 404)
        self.must_problem(self.server.request(
            "POST", f"/api/v1/jobs/{job_id}/deliveries/first/redeliver"), 400)
        self.must_problem(self.server.request("GET", "/api/v1/jobs/not-a-uuid/deliveries"), 400)

    def test_job_without_webhook_has_no_deliveries(self):
        job = self.must_submit(self.server, {"type": "square_sum", "payload": {"data": [2]}})
        self.server.wait_for(job["id"], "SUCCEEDED")
        self.assertEqual(self.deliveries(self.server, job["id"])["deliveries"], [])

    def test_metadata_address_refused_at_submit(self):
        for url in ("http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x"):
            r = self.server.submit({"type": "square_sum", "payload": {"data": [1]},
                                    "webhook_url": url})
            self.must_problem(r, 422)
            self.assertIn("webhook_url", r.body["detail"])
        r = self.server.submit({"type": "square_sum", "payload": {"data": [1]},
                                "webhook_url": "ftp://example.com/x"})
        self.must_problem(r, 422)
        self.assertIn("https://", r.body["detail"])


class WebhookPolicyTest(WebhookCase):
    SERVER_ARGS = {"workers": 1, "env": dict(FAST_RETRIES, WEBHOOK_ALLOW_PRIVATE="false")}

    def test_name_resolving_to_a_denied_address_never_connects(self):
        before = len(self.rx.state.log)
        job_id = self.finished_job(self.server, f"http://localhost:{self.rx.port}/ok")
        d = self.settled(self.server, job_id)
        self.assertEqual((d["state"], d["attempts"]), ("failed", 1), d)
        self.assertIn("loopback", d["last_error"])
        self.assertIsNone(d["last_status"])
        self.assertEqual(len(self.rx.state.log), before, "the receiver must never be reached")


class WebhookRestartTest(WebhookCase):
    def test_pending_deliveries_resume_after_kill9(self):
        port = free_port()
        server = self.new_server(workers=1, env={
            "WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_BACKOFF_BASE": "1",
            "WEBHOOK_MAX_RETRIES": "100", "WEBHOOK_TIMEOUT_SECONDS": "1"})
        job_id = self.finished_job(server, self.url("/verify/" + SECRET, port=port))
        d = self.settled(server, job_id, pred=lambda d: d["attempts"] >= 1)
        self.assertEqual(d["state"], "pending", d)
        self.assertIsNone(d["attempt_log"][0]["status_code"])
        server.kill9()
        rx = start_receiver(port)
        self.addCleanup(rx.server_close)
        self.addCleanup(rx.shutdown)
        server.start()
        d = self.settled(server, job_id, timeout=40)
        self.assertEqual(d["state"], "delivered", d)
        self.assertEqual(len(rx.state.log), 1)
        self.assertEqual(rx.state.log[0]["headers"]["webhook-id"], job_id + ".1")


class WebhookSettingsTest(ServerTestCase):
    def test_bad_settings_stop_the_node_with_a_sentence(self):
        cases = (({"WEBHOOK_DENY_HOSTS": "ok.example, bad host!"}, "bad host!"),
                 ({"WEBHOOK_ALLOW_HOSTS": "10.0.0.0/99"}, "10.0.0.0/99"),
                 ({"WEBHOOK_SECRET": "whsec_not*base64"}, "secret"))
        for env, words in cases:
            server = self.new_server(workers=0, env=env, start=False)
            with self.assertRaises(ServerError) as ctx:
                server.start()
            server.stopped_on_purpose = True  # exiting was the point
            self.assertIn(words, str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
