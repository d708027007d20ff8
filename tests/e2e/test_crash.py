"""The durability proof: kill -9 under load loses no acknowledged job.

Client threads submit square_sum jobs as fast as they can and record every id that got a 2xx
with its expected result. The server is killed -9 mid-load, restarted on the same database, and
every acknowledged job must exist and reach SUCCEEDED with the right result. Three cycles.
"""

import http.client
import json
import random
import threading
import time
import unittest

from conveyor_harness import TERMINAL, ServerTestCase, scaled, slow

CYCLES = 3
LOAD_SECONDS = 2.5


class Submitter(threading.Thread):
    """Submits jobs on one keep-alive connection until told to stop or the server dies."""

    def __init__(self, port, seed, acked, lock, stop):
        super().__init__(daemon=True)
        self.port, self.rng, self.acked, self.lock, self.stop = port, random.Random(seed), \
            acked, lock, stop
        self.sent = 0
        self.errors = []
        self.bad_answers = []

    def run(self):
        conn = None
        while not self.stop.is_set():
            data = [self.rng.randint(-1000, 1000) for _ in range(self.rng.randint(1, 8))]
            body = json.dumps({"type": "square_sum", "payload": {"data": data}})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", "/api/v1/jobs", body,
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                self.sent += 1
                if 200 <= resp.status < 300:
                    job = json.loads(raw)
                    with self.lock:
                        self.acked[job["id"]] = sum(x * x for x in data)
                else:
                    self.bad_answers.append((resp.status, raw[:200]))
            except (OSError, http.client.HTTPException, ValueError) as e:
                # the server is gone (killed): an unanswered request was never acknowledged
                self.errors.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()


class CrashTest(ServerTestCase):

    def load_then_kill(self, s, acked, lock, cycle):
        stop = threading.Event()
        threads = [Submitter(s.port, cycle * 100 + i, acked, lock, stop)
                   for i in range(scaled(8, 2))]
        before = len(acked)
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        s.kill9()  # mid-load: requests are in flight right now
        stop.set()
        for t in threads:
            t.join(15)
            self.assertFalse(t.is_alive(), "a client thread did not stop")
        bad = [b for t in threads for b in t.bad_answers]
        self.assertEqual(bad, [], f"valid submissions were refused: {bad[:5]}")
        new = len(acked) - before
        self.assertGreater(new, 0, f"cycle {cycle}: nothing was acknowledged in "
                                   f"{LOAD_SECONDS}s; log:\n{s.log_tail(20)}")
        return new

    def verify_all(self, s, acked):
        """Every acknowledged job exists and SUCCEEDS with its result (bounded wait)."""
        deadline = time.monotonic() + 60 * slow()
        while True:
            stats = self.must_json(s.request("GET", "/admin/stats"), 200)
            bd = stats["status_breakdown"]
            busy = sum(bd.get(k, 0) for k in ("PENDING", "RUNNING", "RETRYING", "SCHEDULED"))
            if busy == 0:
                break
            self.assertLess(time.monotonic(), deadline,
                            f"jobs still unfinished after 60s: {stats}")
            time.sleep(0.2)
        # every acknowledged job, one GET each, on one keep-alive connection
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30 * slow())
        missing, wrong = [], []
        try:
            for jid, want in list(acked.items()):
                conn.request("GET", f"/api/v1/jobs/{jid}")
                resp = conn.getresponse()
                raw = resp.read()
                if resp.status == 404:
                    missing.append(jid)
                    continue
                self.assertEqual(resp.status, 200, f"GET {jid}: {resp.status} {raw[:300]!r}")
                job = json.loads(raw)
                if job["status"] != "SUCCEEDED" or job["result"] != want:
                    wrong.append((jid, job["status"], job["result"], want, job.get("error")))
        finally:
            conn.close()
        self.assertEqual(missing, [], f"{len(missing)} of {len(acked)} acknowledged jobs were "
                                      f"lost, e.g. {missing[:5]}")
        self.assertEqual(wrong, [], f"{len(wrong)} acknowledged jobs did not succeed with the "
                                    f"right result, e.g. {wrong[:5]}")

    def test_kill9_under_load_loses_no_acknowledged_job(self):
        s = self.new_server(workers=2, extra=["--lease-s", "1", "--rescue-interval-ms", "200",
                                              "--retry-base-ms", "50", "--retry-cap-ms", "200"])
        acked, lock = {}, threading.Lock()
        per_cycle = []
        for cycle in range(CYCLES):
            per_cycle.append(self.load_then_kill(s, acked, lock, cycle))
            s.start()
            self.verify_all(s, acked)
        sys_note = f"acknowledged per cycle: {per_cycle}, total {len(acked)}"
        print(sys_note)
        self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    unittest.main()
