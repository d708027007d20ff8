"""Hostile HTTP clients against the real binary (issue 8 findings 6, 7, 11): floods of big bodies,
huge lists and artifacts, and idle connections past the open-file limit. While each attack runs a
prober asks /health and every answer must come within PROBE_BOUND_S.

Not named test_*: the integrator imports these classes into test_hostile_client.py. Run with
    cd tests/e2e && CONVEYOR_BIN=../../build/conveyor python3 -m unittest -v hostile_http
"""
import os
import resource
import socket
import time
import unittest

from conveyor_harness import HealthProber, Server

PROBE_BOUND_S = 5.0
MIB = 1 << 20


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class HostileHttpBase(unittest.TestCase):
    SERVER_KW = {}

    def setUp(self):
        self.server = self.make_server()

    def make_server(self):
        return Server(workers=1, **self.SERVER_KW)

    def tearDown(self):
        self.server.stop()
        self.server.close()


class ReceiverFloodTest(HostileHttpBase):
    def test_receiver_flood_keeps_rss_bounded_and_gets_quick(self):
        before = rss_kb(self.server.proc.pid)
        body = b'{"blob":"' + b"x" * (MIB - 100) + b'"}'
        with HealthProber(self.server) as prober:
            for i in range(300):
                r = self.server.request("POST", "/webhook-receiver", body,
                                        {"Content-Type": "application/json"}, timeout=30)
                self.assertEqual(r.status, 200, f"POST {i}: {r!r}")
            start = time.monotonic()
            r = self.server.request("GET", "/webhook-receiver?limit=1000", timeout=30)
            self.assertEqual(r.status, 200)
            self.assertLess(time.monotonic() - start, PROBE_BOUND_S)
            self.assertLess(len(r.raw), 6 * MIB, "one GET page is capped by bytes")
        prober.check(self)
        grown_mb = (rss_kb(self.server.proc.pid) - before) / 1024
        # 300 MB were kept before the fix; the receiver now keeps 32 MiB.
        self.assertLess(grown_mb, 150, f"RSS grew by {grown_mb:.0f} MB")


class BigListTest(HostileHttpBase):
    SERVER_KW = dict(extra=["--max-body-bytes", str(2 * MIB)])

    def test_list_of_big_jobs_is_paged_by_bytes(self):
        blob = "x" * 900_000
        for _ in range(12):
            r = self.server.request("POST", "/jobs", {"type": "noop", "queue": "big",
                                                      "run_at": "2099-01-01T00:00:00Z",
                                                      "payload": {"blob": blob}}, timeout=30)
            self.assertEqual(r.status, 201, repr(r))
        with HealthProber(self.server) as prober:
            r = self.server.request("GET", "/jobs?queue=big&limit=1000", timeout=30)
        prober.check(self)
        self.assertEqual(r.status, 200)
        self.assertLess(len(r.raw), 6 * MIB, "a page stops at its byte cap")
        self.assertIsInstance(r.body["next_cursor"], str, "next_cursor continues the list")


class BigArtifactTest(HostileHttpBase):
    def test_large_artifact_is_streamed_while_health_answers(self):
        r = self.server.request("POST", "/jobs", {"type": "noop"})
        self.assertEqual(r.status, 201, repr(r))
        job_id = r.body["id"]
        folder = os.path.join(self.server.tmpdir, "artifacts", job_id)
        os.makedirs(folder, exist_ok=True)
        size = 150 * MIB
        with open(os.path.join(folder, "big.csv"), "wb") as f:
            chunk = b"a,b,c\n" * (MIB // 6)
            while f.tell() < size:
                f.write(chunk[: size - f.tell()])
        before = rss_kb(self.server.proc.pid)
        with HealthProber(self.server) as prober:
            r = self.server.request("GET", f"/jobs/{job_id}/artifact?name=big.csv", timeout=120)
        prober.check(self)
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.raw), size)
        grown_mb = (rss_kb(self.server.proc.pid) - before) / 1024
        self.assertLess(grown_mb, 100, f"RSS grew by {grown_mb:.0f} MB serving a 150 MB file")


class LimitedServer(Server):
    """The server under `ulimit -n 1024` (soft and hard), as in the reproduction."""

    def command(self):
        return ["sh", "-c", 'ulimit -n 1024 && exec "$0" "$@"'] + super().command()


class IdleConnectionFloodTest(HostileHttpBase):
    def make_server(self):
        return LimitedServer(workers=1)

    def test_1100_idle_connections_do_not_lock_out_a_new_client(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 1300:
            self.skipTest("this test process needs about 1,200 descriptors")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
        idle = []
        try:
            for _ in range(1100):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                idle.append(s)
            start = time.monotonic()
            r = self.server.request("GET", "/health", timeout=PROBE_BOUND_S)
            self.assertEqual(r.status, 200)
            r = self.server.request("POST", "/jobs", {"type": "noop"}, timeout=PROBE_BOUND_S)
            self.assertEqual(r.status, 201, repr(r))
            self.assertLess(time.monotonic() - start, 2 * PROBE_BOUND_S)
        finally:
            for s in idle:
                s.close()


class EdgeHolesTest(HostileHttpBase):
    """Finding 11: small holes at the edge."""

    def test_non_utf8_idempotency_key_is_400_and_list_stays_json(self):
        r = self.server.raw(b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Idempotency-Key: k\xff\xfe\r\nContent-Length: 15\r\n\r\n"
                            b'{"type":"noop"}')
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 400, repr(r))
        r = self.server.request("GET", "/jobs")
        self.assertEqual(r.status, 200)
        self.assertIsInstance(r.body, dict, "GET /jobs is valid JSON")

    def test_gzip_transfer_encoding_is_415(self):
        r = self.server.raw(b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Transfer-Encoding: gzip, chunked\r\n\r\n"
                            b'f\r\n{"type":"noop"}\r\n0\r\n\r\n')
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 415, repr(r))

    def test_run_at_past_year_9999_is_422(self):
        r = self.server.request("POST", "/jobs", {"type": "noop",
                                                  "run_at": "9999-12-31T23:00:00-05:00"})
        self.assertEqual(r.status, 422, repr(r))


class ConnectionCapTest(HostileHttpBase):
    SERVER_KW = dict(extra=["--max-connections", "16"])

    def test_busy_connections_at_the_cap_get_a_quick_503_and_health_recovers(self):
        # Half-sent requests are busy, not idle: nothing can be closed to make room.
        busy = []
        try:
            for _ in range(16):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                busy.append(s)
            time.sleep(0.5)
            r = self.server.request("GET", "/health", timeout=PROBE_BOUND_S)
            self.assertEqual(r.status, 503, repr(r))
            self.assertIn("max-connections", r.body["detail"])
        finally:
            for s in busy:
                s.close()
        for _ in range(50):  # the closed connections leave within a moment
            if self.server.request("GET", "/health").status == 200:
                break
            time.sleep(0.1)
        self.assertEqual(self.server.request("GET", "/health").status, 200)


class BeyondLoopbackTest(unittest.TestCase):
    def test_listening_beyond_loopback_requires_keys_and_says_so(self):
        server = Server(workers=0, start=False)
        server.command = lambda: [server.bin, "serve", "--listen", "0.0.0.0:0", "--port-file",
                                  server.port_file, "--store", server.store, "--workers", "0"]
        try:
            server.start()
            self.assertEqual(server.request("GET", "/api/v1/jobs").status, 401)
            self.assertEqual(server.request("GET", "/health").status, 200)
            def logged():  # info lines reach the file within the log writer's 50 ms
                with open(server.log_path, errors="replace") as f:
                    log = f.read()
                return '"event":"auth","mode":"on"' in log and log
            log = server.wait_until(logged, 10, "the auth line in the log")
            self.assertIn("no API keys yet", log)
        finally:
            server.stop()
            server.close()


if __name__ == "__main__":
    unittest.main()
