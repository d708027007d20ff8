"""Several Conveyor nodes on one PostgreSQL database, and PostgreSQL going away under load.

- Three nodes work a shared backlog; each job POSTs its own number to a counting receiver run by
  the test, so the test reads how often every job really ran: exactly once when nothing crashes.
- The leader node (the one holding the maintenance advisory lock) is killed -9 mid-run: another
  node takes the leadership over, the jobs the dead node held are rescued after their lease, and
  every job still completes.
- PostgreSQL is stopped and started while clients submit: the API answers 503 (never 500) while
  it is down, and every acknowledged job survives and completes once it is back.

Each class starts its own throwaway PostgreSQL (pg_server.PgServer: initdb, free port).
"""

import http.client
import http.server
import json
import threading
import time
import unittest

from conveyor_harness import PostgresServerTestCase, ServerTestCase, scaled, slow
from test_crash import Submitter

NODE_FLAGS = ["--lease-s", "2", "--rescue-interval-ms", "300", "--retry-base-ms", "50",
              "--retry-cap-ms", "200"]


class CountingReceiver:
    """An HTTP server counting POST bodies: body → how many times it arrived."""

    def __init__(self):
        counts, lock = {}, threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                with lock:
                    counts[body] = counts.get(body, 0) + 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class QuietServer(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a killed node resets its keep-alive connections: expected here

        self.counts, self.lock = counts, lock
        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/count" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class PostgresTestCase(PostgresServerTestCase):
    def database(self, name):
        return self.pg.create_database(name)

    def submit_counting_jobs(self, node, receiver, n, tag):
        """n http.request jobs in batches of 500; job i POSTs "tag-i" to the receiver."""
        ids = []
        for start in range(0, n, 500):
            jobs = [{"type": "http.request",
                     "payload": {"method": "POST", "url": receiver.url, "body": "%s-%d" % (tag, i)}}
                    for i in range(start, min(n, start + 500))]
            resp = node.request("POST", "/api/v1/jobs/batch", {"jobs": jobs}, timeout=60)
            body = self.must_json(resp, 200, 201, 202)
            ids.extend(j["id"] for j in body["jobs"])
        self.assertEqual(len(ids), n)
        return ids

    def wait_all_finished(self, node, timeout_s):
        deadline = time.monotonic() + timeout_s * slow()
        while True:
            stats = self.must_json(node.request("GET", "/admin/stats"), 200)
            bd = stats["status_breakdown"]
            busy = sum(bd.get(k, 0) for k in ("PENDING", "RUNNING", "RETRYING", "SCHEDULED"))
            if busy == 0:
                return bd
            self.assertLess(time.monotonic(), deadline, "jobs still unfinished: %s" % stats)
            time.sleep(0.25)

    def nodes_view(self, node):
        return self.must_json(node.request("GET", "/api/v1/nodes"), 200)["nodes"]


class MultiNodeTest(PostgresTestCase):

    def start_nodes(self, url, count):
        return [self.new_server(workers=2, store=url,
                                extra=NODE_FLAGS + ["--node-name", "node-%d" % i])
                for i in range(count)]

    def test_three_nodes_run_every_job_exactly_once(self):
        receiver = CountingReceiver()
        self.addCleanup(receiver.close)
        nodes = self.start_nodes(self.database("exactly_once"), 3)
        n = scaled(20000, 500)
        self.submit_counting_jobs(nodes[0], receiver, n, "job")
        bd = self.wait_all_finished(nodes[1], 240)
        self.assertEqual(bd.get("SUCCEEDED", 0), n, bd)
        counts = receiver.snapshot()
        missing = [i for i in range(n) if "job-%d" % i not in counts]
        twice = {k: v for k, v in counts.items() if v != 1}
        self.assertEqual(missing, [], "jobs that never ran: %s" % missing[:10])
        self.assertEqual(twice, {}, "jobs that ran more than once: %s" % list(twice.items())[:10])
        # every node saw the same shared state, and all three registered themselves
        names = {nd["name"] for nd in self.nodes_view(nodes[2])}
        self.assertTrue({"node-0", "node-1", "node-2"} <= names, names)
        for s in nodes:
            self.assertEqual(s.stop(), 0)

    def test_leader_killed_mid_run_jobs_rescued_and_leadership_moves(self):
        receiver = CountingReceiver()
        self.addCleanup(receiver.close)
        nodes = self.start_nodes(self.database("leader_kill"), 3)

        def leaders():
            return [nd["name"] for nd in self.nodes_view(live[0])
                    if nd.get("leader") and nd.get("alive", True)]

        live = list(nodes)
        nodes[0].wait_until(lambda: len(leaders()) == 1, 20, "one leader among the nodes")
        leader_name = leaders()[0]
        leader = next(s for s in nodes if ("node-%d" % nodes.index(s)) == leader_name)
        live = [s for s in nodes if s is not leader]

        n = scaled(6000, 300)
        # slow-ish jobs so the leader holds some when it dies
        self.submit_counting_jobs(live[0], receiver, n, "job")
        live[0].wait_until(lambda: len(receiver.snapshot()) >= n // 4, 60 * slow(),
                           "a quarter of the jobs ran")
        leader.kill9()

        live[0].wait_until(lambda: any(name != leader_name for name in leaders()), 30 * slow(),
                           "another node took the leadership over")
        bd = self.wait_all_finished(live[0], 240)
        self.assertEqual(bd.get("SUCCEEDED", 0), n, bd)
        counts = receiver.snapshot()
        missing = [i for i in range(n) if "job-%d" % i not in counts]
        self.assertEqual(missing, [], "jobs that never ran: %s" % missing[:10])
        for s in live:
            self.assertEqual(s.stop(), 0)


class PostgresOutageTest(PostgresTestCase):

    def test_postgres_restart_under_load_loses_nothing_and_answers_503(self):
        node = self.new_server(workers=2, store=self.database("outage"), extra=NODE_FLAGS)
        acked, lock, stop = {}, threading.Lock(), threading.Event()
        threads = [Submitter(node.port, i, acked, lock, stop) for i in range(scaled(4, 2))]
        for t in threads:
            t.start()
        time.sleep(1.5)
        before_outage = len(acked)
        self.pg.stop()
        # while PostgreSQL is down: /ready and submits say 503, the node keeps serving
        node.wait_until(lambda: node.request("GET", "/ready").status == 503, 20 * slow(),
                        "/ready answering 503 while PostgreSQL is down")
        resp = node.request("POST", "/api/v1/jobs", {"type": "noop", "payload": {}})
        self.must_problem(resp, 503)
        time.sleep(1.0)
        self.pg.start()
        node.wait_until(lambda: node.request("GET", "/ready").status == 200, 30 * slow(),
                        "/ready answering 200 once PostgreSQL is back")
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(20)
            self.assertFalse(t.is_alive(), "a client thread did not stop")
        bad = [b for t in threads for b in t.bad_answers if b[0] != 503]
        self.assertEqual(bad, [], "answers other than 2xx/503: %s" % bad[:5])
        self.assertGreater(before_outage, 0)
        self.assertGreater(len(acked), before_outage, "no submit succeeded after the restart")
        self.wait_all_finished(node, 120)
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30 * slow())
        wrong = []
        try:
            for jid, want in list(acked.items()):
                conn.request("GET", "/api/v1/jobs/%s" % jid)
                resp = conn.getresponse()
                job = json.loads(resp.read())
                if resp.status != 200 or job["status"] != "SUCCEEDED" or job["result"] != want:
                    wrong.append((jid, resp.status, job.get("status"), job.get("error")))
        finally:
            conn.close()
        self.assertEqual(wrong, [], "%d acknowledged jobs lost or wrong, e.g. %s"
                         % (len(wrong), wrong[:5]))
        self.assertEqual(node.stop(), 0)


if __name__ == "__main__":
    unittest.main()
