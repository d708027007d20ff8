"""Issue 8, findings 1 and 10: another process holds the SQLite write lock for a while.

Finding 1: while `BEGIN IMMEDIATE` was held on the database file by another process, a keyless
submit got its 503 after the busy timeout (fine), but after the lock was released every keyless
single submit and every 1-job batch waited forever: the failed batch never closed the insert
coalescer's open group, so every later submit joined a group nothing would ever run.
Finding 10: /ready stayed 200 while every write failed.

Both against the real binary; a prober checks /health keeps answering throughout.
(Imported by test_hostile_client.py.)
"""

import sqlite3
import threading
import time
import unittest

from conveyor_harness import HealthProber, Server, slow

LOCK_HELD_S = 8.0


class _WriteLockHolder:
    """Another process's writer: holds BEGIN IMMEDIATE on the database file from construction
    until release(), at least `min_s` seconds and at most MAX_HOLD_S. (Held until the test has
    seen its 503, so a background write queued ahead of the submit cannot use up the busy
    timeout first and let the submit through after an early release.)"""

    MAX_HOLD_S = 60.0

    def __init__(self, path, min_s):
        self.path, self.min_s = path, min_s
        self.held, self.released, self.error = threading.Event(), threading.Event(), None
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self.held.wait(10 * slow()):
            raise AssertionError(f"could not take the write lock: {self.error!r}")

    def _run(self):
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                self.held.set()
                time.sleep(self.min_s)
                self._release.wait(self.MAX_HOLD_S)
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        except sqlite3.Error as e:
            self.error = e
        finally:
            self.released.set()

    def release(self, test):
        self._release.set()
        test.assertTrue(self.released.wait(self.min_s + 30 * slow()), "lock holder stuck")
        self._thread.join(timeout=10)
        test.assertIsNone(self.error, f"the lock holder failed: {self.error!r}")


class HostileStoreWriteLockTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(workers=2)
        self.addCleanup(self.server.close)
        # The schema exists and the WAL is set up before another process takes the lock.
        self.assertEqual(self.server.request("POST", "/api/v1/jobs", {"type": "noop"}).status, 201)

    def submit_keyless(self, path="/api/v1/jobs", body=None, timeout=30.0):
        return self.server.request("POST", path, body or {"type": "noop"}, timeout=timeout)

    def test_keyless_submits_are_answered_after_a_foreign_write_lock_is_released(self):
        prober = HealthProber(self.server)
        holder = _WriteLockHolder(self.server.db, LOCK_HELD_S)
        during = self.submit_keyless()
        self.assertEqual(during.status, 503, during)
        self.assertIn("problem+json", during.content_type, during)
        holder.release(self)
        # Before the fix these waited forever (until restart); a few seconds is plenty.
        single = self.submit_keyless(timeout=10.0)
        self.assertEqual(single.status, 201, single)
        batch = self.submit_keyless("/api/v1/jobs/batch", {"jobs": [{"type": "noop"}]}, 10.0)
        self.assertEqual(batch.status, 201, batch)
        for _ in range(3):  # and it stays so
            self.assertEqual(self.submit_keyless(timeout=10.0).status, 201)
        prober.check(self)
        self.assertEqual(self.server.server_errors(), [], "a 5xx other than 503 was answered")

    def test_ready_says_503_while_writes_fail_and_200_once_they_succeed(self):
        prober = HealthProber(self.server)
        self.assertEqual(self.server.request("GET", "/ready").status, 200)
        holder = _WriteLockHolder(self.server.db, LOCK_HELD_S)
        self.assertEqual(self.submit_keyless().status, 503)  # a write failed: not ready now
        ready = self.server.request("GET", "/ready", timeout=10.0)
        self.assertEqual(ready.status, 503, ready)
        self.assertIn("problem+json", ready.content_type, ready)
        self.assertIn("detail", ready.body, ready)
        holder.release(self)
        self.assertEqual(self.submit_keyless(timeout=10.0).status, 201)
        deadline = time.monotonic() + 10 * slow()
        status = None
        while time.monotonic() < deadline:  # green again once a write succeeded
            status = self.server.request("GET", "/ready", timeout=10.0).status
            if status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200, "/ready stayed red after writes succeeded again")
        prober.check(self)


if __name__ == "__main__":
    unittest.main()
