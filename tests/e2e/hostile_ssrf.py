"""Hostile client, issue 8 finding 4: server-side request forgery through outbound HTTP.

A node whose API listens beyond loopback must not fetch from loopback, private or link-local
addresses on a client's behalf, however the address is spelled (127.1, 2130706433, 0177.0.0.1,
localhost, IPv4-mapped / -compatible / NAT64 IPv6), nor from its own /admin/stats. The operator
can admit destinations with --allow-outbound; a loopback-only dev server keeps delivering seed
000's localhost webhook. All traffic stays on 127.0.0.1 (the server listens on 0.0.0.0 only so
that it counts as public). Not named test_*: tests/e2e/test_hostile_client.py imports it.
"""

import http.server
import json
import threading
import time
import unittest
import uuid

from conveyor_harness import HealthProber, Server, ServerError, ServerTestCase

TARGET_BODY = "TARGET-SECRET-3f9c1d"  # what the forged request would steal


class PublicServer(Server):
    """`conveyor serve` listening on 0.0.0.0 (reached through 127.0.0.1 all the same)."""

    def command(self):
        cmd = super().command()
        cmd[cmd.index("127.0.0.1:0")] = "0.0.0.0:0"
        return cmd


class Target:
    """An HTTP listener on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                body = TARGET_BODY.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class SsrfCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.target = Target()
        self.addCleanup(self.target.close)

    def public_server(self, extra=()):
        s = PublicServer(workers=2, extra=list(extra))
        self._servers.append(s)
        self.addCleanup(s.close)
        s.use_admin_key()  # beyond loopback, every route but /health wants a key
        return s

    def probe(self, server):
        prober = HealthProber(server)
        self.addCleanup(prober.stop)
        return prober

    def assert_no_target_data(self, server, job_id):
        text = json.dumps(server.get_job(job_id).body)
        self.assertNotIn(TARGET_BODY, text, "the target's response leaked into the job")

    def submit_http(self, server, url):
        return server.submit({"type": "http.request",
                              "payload": {"url": url, "timeout_s": 5},
                              "max_attempts": 3})

    def assert_refused(self, server, url):
        """422 at submit with a sentence, or a job that FAILED on its first attempt."""
        r = self.submit_http(server, url)
        if r.status == 422:
            self.must_problem(r, 422, detail_contains="payload.url")
            self.assertRegex(r.body["detail"], r"refused|not an IPv4|ends in a number", url)
            return
        job = self.must_json(r, 201, 202)
        done = server.wait_for(job["id"], ("FAILED", "SUCCEEDED"), timeout=30,
                               fail_on_other_terminal=False)
        self.assertEqual(done["status"], "FAILED", f"{url}: {json.dumps(done)[:800]}")
        self.assertEqual(done["attempt"], 1, f"a policy refusal is not retried: {url}")
        self.assertIn("refused", done["error"], url)
        self.assert_no_target_data(server, job["id"])


class PublicListenerRefusesPrivateDestinationsTest(SsrfCase):
    def test_every_spelling_of_loopback_and_metadata_is_refused(self):
        server = self.public_server()
        prober = self.probe(server)
        p = self.target.port
        urls = [f"http://127.0.0.1:{p}/x", f"http://127.1:{p}/x", f"http://2130706433:{p}/x",
                f"http://0177.0.0.1:{p}/x", f"http://0x7f.1:{p}/x", f"http://localhost:{p}/x",
                f"http://[::ffff:127.0.0.1]:{p}/x", f"http://[::1]:{p}/x",
                f"http://127.0.0.1:{server.port}/admin/stats",
                f"http://localhost:{server.port}/admin/stats",
                "http://[::169.254.169.254]/latest/meta-data",
                "http://[::ffff:169.254.169.254]/latest/meta-data",
                "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
                "http://2852039166/latest/meta-data", "http://10.0.0.1:9/x",
                "http://192.168.0.1:9/x", "http://100.64.0.1:9/x", "http://[fd00::1]:9/x"]
        for url in urls:
            with self.subTest(url=url):
                self.assert_refused(server, url)
        self.assertEqual(self.target.hits, [], "the 127.0.0.1 target must record nothing")
        self.assertEqual(prober.stop(), [])
        self.assertGreater(prober.answered, 0)

    def test_webhook_to_loopback_is_never_delivered(self):
        server = self.public_server()
        job = self.must_json(server.submit({
            "type": "square_sum", "payload": {"data": [1]},
            "webhook_url": f"http://localhost:{self.target.port}/hook"}), 201, 202)
        server.wait_for(job["id"], "SUCCEEDED")

        def settled():
            ds = server.request("GET", f"/api/v1/jobs/{job['id']}/deliveries").body
            d = ds.get("deliveries", []) if isinstance(ds, dict) else []
            return d and d[0]["state"] == "failed" and d[0]
        d = server.wait_until(settled, 30, "the delivery to be refused")
        self.assertIn("loopback", d["last_error"])
        self.assertEqual(self.target.hits, [])

    def test_operator_allow_list_admits_the_listed_destination(self):
        server = self.public_server(extra=["--allow-outbound", "127.0.0.1"])
        prober = self.probe(server)
        job = self.must_json(self.submit_http(server, f"http://127.0.0.1:{self.target.port}/ok"),
                             201, 202)
        done = server.wait_for(job["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(json.loads(done["result"])["body"] if isinstance(done["result"], str)
                         else done["result"]["body"], TARGET_BODY)
        self.assertEqual(self.target.hits, ["/ok"])
        # Admitting 127.0.0.1 does not admit the rest of loopback or metadata.
        self.assert_refused(server, f"http://127.0.0.2:{self.target.port}/x")
        self.assert_refused(server, "http://[64:ff9b::a9fe:a9fe]/latest/meta-data")
        self.assertEqual(prober.stop(), [])


    def test_document_pipeline_deliver_to_localhost_is_refused(self):
        server = self.public_server()
        body = {"doc_id": f"doc-{uuid.uuid4().hex[:12]}", "payload": {"key": "value"},
                "webhook_url": f"http://localhost:{self.target.port}/webhook-receiver"}
        job = self.must_json(server.submit(body, path="/jobs"), 201, 202)
        done = server.wait_for(job["job_id"], "FAILED", timeout=30)
        self.assertIn("refused", done["error"])
        self.assertEqual(self.target.hits, [])

    def test_csv_http_input_to_loopback_is_refused_at_submit(self):
        server = self.public_server()
        for url in (f"http://127.0.0.1:{self.target.port}/in.csv",
                    f"http://2130706433:{self.target.port}/in.csv"):
            r = server.submit({"type": "csv.validate", "payload": {"input_uri": url}})
            self.must_problem(r, 422, detail_contains=["input_uri", "refused"])
        self.assertEqual(self.target.hits, [])


class OutboundSettingsTest(ServerTestCase):
    def test_bad_outbound_settings_stop_the_node_with_a_sentence(self):
        cases = ((["--allow-outbound", "bad host!"], {}, "bad host!"),
                 ([], {"CONVEYOR_OUTBOUND_ALLOW": "10.0.0.0/99"}, "10.0.0.0/99"),
                 (["--webhook-allow-private", "maybe"], {}, "auto, true or false"))
        for extra, env, words in cases:
            server = self.new_server(workers=0, extra=extra, env=env, start=False)
            with self.assertRaises(ServerError) as ctx:
                server.start()
            server.stopped_on_purpose = True  # exiting was the point
            self.assertIn(words, str(ctx.exception))


class WorkerNode(Server):
    """`conveyor worker` on another node's SQLite file (no public API: strict by default)."""

    def __init__(self, db, **kwargs):
        self.shared_db = db
        super().__init__(**kwargs)

    def command(self):
        return [self.bin, "worker", "--admin-listen", "127.0.0.1:0", "--port-file",
                self.port_file, "--store", "sqlite:" + self.shared_db,
                "--workers", str(self.workers)] + self.extra


class WorkerIsStrictByDefaultTest(SsrfCase):
    def run_on_worker(self, extra):
        api = self.new_server(workers=0)  # loopback API: accepts the URL at submit
        worker = WorkerNode(api.db, workers=1, extra=extra)
        self._servers.append(worker)
        self.addCleanup(worker.close)
        job = self.must_json(self.submit_http(api, f"http://127.0.0.1:{self.target.port}/w"),
                             201, 202)
        return api.wait_for(job["id"], ("FAILED", "SUCCEEDED"), timeout=30,
                            fail_on_other_terminal=False)

    def test_worker_refuses_loopback_unless_the_operator_admits_it(self):
        done = self.run_on_worker([])
        self.assertEqual(done["status"], "FAILED", json.dumps(done)[:800])
        self.assertIn("loopback", done["error"])
        self.assertEqual(self.target.hits, [])
        done = self.run_on_worker(["--allow-outbound", "127.0.0.1/8"])
        self.assertEqual(done["status"], "SUCCEEDED", json.dumps(done)[:800])
        self.assertEqual(self.target.hits, ["/w"])


class LoopbackDevServerTest(SsrfCase):
    def test_seed000_localhost_webhook_still_delivered(self):
        server = self.new_server(workers=2)  # the harness listens on 127.0.0.1
        body = {"doc_id": f"doc-{uuid.uuid4().hex[:12]}", "payload": {"key": "value"},
                "webhook_url": f"http://localhost:{server.port}/webhook-receiver"}
        job = self.must_json(server.submit(body, path="/jobs"), 201, 202)
        done = server.wait_for(job["job_id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["current_step"], "deliver")
        # Metadata stays refused even here.
        self.assert_refused(server, "http://[::ffff:169.254.169.254]/latest/meta-data")


if __name__ == "__main__":
    unittest.main()
