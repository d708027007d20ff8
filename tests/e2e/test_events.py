"""GET /api/v1/events end to end: the real binary, a raw-socket Server-Sent Events reader.

- Jobs that succeed, one failing with retries, one cancelled: the subscriber receives every
  transition of every job, in order per job, each once.
- A disconnect, more jobs submitted meanwhile, a reconnect with Last-Event-ID: exactly the
  missed events, none twice.
- Progress events for a `sleep` job (it reports progress as it sleeps).
- `conveyor wait` follows a job on the stream (the access log shows its GET /events) and keeps
  its exit codes.
- Two nodes on PostgreSQL: a subscriber on an API-only node sees the jobs a worker node runs.
"""

import json
import socket
import subprocess
import time
import unittest

from conveyor_harness import PostgresServerTestCase, ServerTestCase, binary

TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"}


class SseStream:
    """GET `path` on a raw socket; events() yields dicts with id, event, data (parsed JSON)."""

    def __init__(self, server, path, last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path
        if last_event_id is not None:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        self.sock.sendall((head + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.head = head.decode()
        self.status = int(self.head.split(" ", 2)[1])

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the stream")
        self.buf += chunk

    def next_event(self, timeout=30.0):
        """The next job/progress/overflow event (comments and retry hints skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n\n" not in self.buf:
                if time.monotonic() > deadline:
                    raise TimeoutError("no event within %.0f s" % timeout)
                self._fill()
            block, self.buf = self.buf.split(b"\n\n", 1)
            event = {}
            for line in block.decode().split("\n"):
                key, _, value = line.partition(": ")
                if key in ("id", "event", "data"):
                    event[key] = value
            if "event" in event:
                event["data"] = json.loads(event["data"])
                return event

    def job_events_until(self, done, timeout=60.0):
        """Job events until done(events) is true."""
        events, deadline = [], time.monotonic() + timeout
        while not done(events):
            e = self.next_event(max(0.1, deadline - time.monotonic()))
            if e["event"] == "job":
                events.append(e)
        return events

    def close(self):
        self.sock.close()


def terminal_count(events):
    return sum(1 for e in events if e["data"]["to"] in TERMINAL)


class EventsTest(ServerTestCase):
    SERVER_ARGS = {"workers": 2, "extra": ["--retry-base-ms", "20", "--retry-cap-ms", "50"]}

    def submit(self, spec):
        return self.must_submit(self.server, spec)["id"]

    def open(self, path="/api/v1/events", last_event_id=None):
        s = SseStream(self.server, path, last_event_id)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200, s.head)
        self.assertIn("text/event-stream", s.head)
        return s

    def test_every_transition_in_order_then_resume_with_last_event_id(self):
        ok = [self.submit({"type": "noop", "payload": {}}) for _ in range(3)]
        failing = self.submit({"type": "fail", "payload": {"times": 5}, "max_attempts": 2})
        sleeper = self.submit({"type": "sleep", "payload": {"seconds": 30}})
        ids = ok + [failing, sleeper]
        # From the start of the log: what already happened is replayed, the rest arrives live.
        stream = self.open("/api/v1/events?since=0&job_id=" + ",".join(ids))
        self.server.wait_for(sleeper, {"RUNNING"})
        self.must_status(self.server.request("DELETE", "/api/v1/jobs/" + sleeper), 200, 202)
        events = stream.job_events_until(lambda ev: terminal_count(ev) >= len(ids))
        by_job = {}
        seqs = [int(e["id"]) for e in events]
        self.assertEqual(seqs, sorted(set(seqs)), "ids increase, none twice")
        for e in events:
            by_job.setdefault(e["data"]["job_id"], []).append(e["data"]["to"])
        for j in ok:
            self.assertEqual(by_job[j], ["PENDING", "RUNNING", "SUCCEEDED"])
        self.assertIn("RETRYING", by_job[failing])
        self.assertEqual(by_job[failing][-1], "FAILED")
        self.assertEqual(by_job[sleeper][:2], ["PENDING", "RUNNING"])
        self.assertEqual(by_job[sleeper][-1], "CANCELLED")
        # Each job's trail is the store's trail, transition for transition.
        for j in ids:
            trail = [ev["to"] for ev in self.server.events(j)]
            self.assertEqual(by_job[j], trail, j)

        # Disconnect; more jobs meanwhile; reconnect after the last id seen.
        last = events[-1]["id"]
        stream.close()
        missed = [self.submit({"type": "noop", "payload": {}}) for _ in range(3)]
        for j in missed:
            self.server.wait_for(j, {"SUCCEEDED"})
        resumed = self.open("/api/v1/events?type=noop", last_event_id=last)
        again = resumed.job_events_until(lambda ev: terminal_count(ev) >= len(missed))
        self.assertTrue(all(int(e["id"]) > int(last) for e in again))
        got = {}
        for e in again:
            got.setdefault(e["data"]["job_id"], []).append(e["data"]["to"])
        self.assertEqual(set(got), set(missed))
        for j in missed:
            self.assertEqual(got[j], ["PENDING", "RUNNING", "SUCCEEDED"])

    def test_progress_events_of_a_running_job(self):
        job = self.submit({"type": "sleep", "payload": {"seconds": 3}})
        stream = self.open("/api/v1/events?job_id=" + job)
        progress = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(progress) < 2:
            e = stream.next_event()
            if e["event"] == "progress" and e["data"]["job_id"] == job:
                self.assertNotIn("id", e)
                progress.append(e["data"]["progress"])
        self.assertGreaterEqual(len(progress), 2, "progress should move while the job sleeps")
        self.assertLess(progress[0], progress[-1])

    def test_bad_resume_point_is_a_problem(self):
        s = SseStream(self.server, "/api/v1/events", last_event_id="yesterday")
        self.addCleanup(s.close)
        self.assertEqual(s.status, 400)


class WaitOverEventsTest(ServerTestCase):
    SERVER_ARGS = {"workers": 2, "extra": ["--access-log"]}  # the access log shows /events

    def wait(self, job_id):
        return subprocess.run([binary(), "wait", job_id, "--timeout-s", "60", "--url",
                               self.server.base_url], capture_output=True, timeout=90)

    def test_wait_follows_the_job_on_the_event_stream(self):
        job = self.must_submit(self.server, {"type": "sleep", "payload": {"seconds": 2}})["id"]
        p = self.wait(job)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(json.loads(p.stdout)["status"], "SUCCEEDED")
        # A stream's access line is written when it ends: the server sees the client gone at its
        # next write (a keep-alive comment every 15 s; the second after a close fails).
        # Lines name the route's pattern, never the query (docs/operations.md, "Logs").
        self.server.wait_until(lambda: '"route":"/events"' in self.server.log_tail(400),
                               45, "the access log line of wait's event stream")
        failing = self.must_submit(self.server, {"type": "fail",
                                                 "payload": {"retryable": False}})["id"]
        p = self.wait(failing)
        self.assertEqual(p.returncode, 1, p.stderr.decode())
        self.assertEqual(json.loads(p.stdout)["status"], "FAILED")


class EventsClusterTest(PostgresServerTestCase):
    def test_api_only_node_sees_jobs_a_worker_node_runs(self):
        url = self.pg.create_database("events_cluster")
        api = self.new_server(workers=0, store=url, extra=["--node-name", "api"])
        worker = self.new_server(workers=2, store=url, extra=["--node-name", "worker"])
        stream = SseStream(api, "/api/v1/events?since=0")
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200, stream.head)
        ids = [self.must_submit(api, {"type": "noop", "payload": {}})["id"] for _ in range(3)]
        events = stream.job_events_until(lambda ev: terminal_count(ev) >= len(ids))
        by_job = {}
        for e in events:
            by_job.setdefault(e["data"]["job_id"], []).append(e["data"]["to"])
        for j in ids:
            self.assertEqual(by_job[j], ["PENDING", "RUNNING", "SUCCEEDED"])
        self.assertTrue(worker.running())


if __name__ == "__main__":
    unittest.main()
