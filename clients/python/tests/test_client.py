"""conveyor_client.Client against the real `conveyor serve` (SQLite in a temp dir): every
method, the typed exceptions carrying problem+json, paging across pages, wait with a deadline."""

import datetime
import sqlite3
import threading
import time
import unittest
import uuid

import _support  # noqa: F401  (sys.path: the package and the e2e harness)
from conveyor_client import (Client, Conflict, ConnectionFailed, ConveyorError, InvalidRequest,
                             Job, NotFound, Unavailable, WaitTimeout)
from conveyor_harness import Server, ServerTestCase, free_port, slow

LATER = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)


class ClientTestCase(ServerTestCase):
    SERVER_ARGS = dict(workers=2, extra=_support.FAST)

    def setUp(self):
        super().setUp()
        self.client = Client(self.server.base_url, timeout=30 * slow())
        self.addCleanup(self.client.close)


class SubmitTest(ClientTestCase):
    def test_submit_sends_the_options_and_returns_the_new_job(self):
        job = self.client.submit("noop", {"k": 1}, queue="reports", priority=3, tags=["a"],
                                 run_at=LATER, max_attempts=4, correlation_id="corr-1")
        self.assertIsInstance(job, Job)
        self.assertTrue(job.is_new)
        self.assertEqual((job.type, job.queue, job.priority, job.max_attempts, job.tags),
                         ("noop", "reports", 3, 4, ["a"]))
        self.assertEqual(job.status, "SCHEDULED")
        self.assertEqual(job.run_at, "2030-01-01T09:00:00.000Z")
        self.assertEqual(job.time("run_at"), LATER)
        self.assertEqual(job.payload, {"k": 1})
        self.assertEqual(job.correlation_id, "corr-1")
        self.assertRegex(job.trace_id, r"^[0-9a-f]{32}$")  # a fresh W3C trace of its own
        self.client.cancel(job.id)

    def test_same_idempotency_key_returns_the_original_job_and_another_body_conflicts(self):
        key = f"key-{uuid.uuid4()}"
        first = self.client.submit("noop", {"n": 1}, idempotency_key=key, run_at=LATER)
        again = self.client.submit("noop", {"n": 1}, idempotency_key=key, run_at=LATER)
        self.assertEqual((again.id, again.is_new), (first.id, False))
        with self.assertRaises(Conflict) as caught:
            self.client.submit("noop", {"n": 2}, idempotency_key=key)
        self.assertEqual(caught.exception.status, 409)
        self.assertIn(key, caught.exception.detail)
        self.client.cancel(first.id)

    def test_submit_refuses_an_unknown_option_instead_of_sending_it(self):
        with self.assertRaises(TypeError) as caught:
            self.client.submit("noop", prority=3)
        self.assertIn("prority", str(caught.exception))

    def test_submit_batch_returns_the_jobs_in_request_order(self):
        jobs = self.client.submit_batch([{"type": "noop", "payload": {"i": 0}},
                                         {"operation": "cube_sum", "data": [1, 2]},
                                         {"type": "noop", "run_at": LATER}])
        self.assertEqual([j.type for j in jobs], ["noop", "cube_sum", "noop"])
        self.assertTrue(all(j.is_new for j in jobs))
        self.assertEqual(jobs[2].status, "SCHEDULED")
        self.assertEqual(self.client.wait(jobs[1].id, timeout=20 * slow()).result, 9)
        self.client.cancel(jobs[2].id)

    def test_a_bad_batch_item_is_an_invalid_request_naming_its_index(self):
        with self.assertRaises(InvalidRequest) as caught:
            self.client.submit_batch([{"type": "noop"}, {"operation": "cube_sum",
                                                         "data": [1, "two"]}])
        self.assertEqual(caught.exception.status, 422)
        self.assertIn("jobs[1]", caught.exception.detail)


class ReadTest(ClientTestCase):
    def test_get_status_and_events_of_a_finished_job(self):
        job = self.client.submit("square_sum", {"data": [1, 2, 3]})
        done = self.client.wait(job.id, timeout=20 * slow())
        self.assertEqual((done.status, done.result, done.attempt), ("SUCCEEDED", 14, 1))
        self.assertTrue(done.done and done.succeeded)
        self.assertEqual(self.client.get(job.id).result, 14)
        status = self.client.status(job)
        self.assertEqual((status.id, status.status, status.result), (job.id, "SUCCEEDED", None))
        events = self.client.events(job.id)
        self.assertEqual([e["to"] for e in events], ["PENDING", "RUNNING", "SUCCEEDED"])
        self.assertIsNone(events[0]["from"])

    def test_wait_calls_on_progress_and_returns_a_failed_job_without_raising(self):
        job = self.client.submit("fail", {"retryable": False, "message": "upstream said no"})
        seen = []
        done = self.client.wait(job.id, timeout=20 * slow(), poll_interval=0.05,
                                on_progress=seen.append)
        self.assertEqual((done.status, done.error), ("FAILED", "upstream said no"))
        self.assertTrue(seen, "on_progress was never called")
        self.assertEqual(seen[-1].status, "FAILED")
        keys = [(j.status, j.progress, j.message, j.current_step, j.attempt) for j in seen]
        self.assertEqual(len(keys), len(set(keys)), "on_progress repeated an unchanged state")

    def test_wait_gives_up_after_its_timeout_with_the_last_state(self):
        job = self.client.submit("noop", run_at=LATER)
        with self.assertRaises(WaitTimeout) as caught:
            self.client.wait(job.id, timeout=0.5, poll_interval=0.1)
        self.assertEqual(caught.exception.job.status, "SCHEDULED")
        self.assertIsNone(caught.exception.status)
        self.client.cancel(job.id)

    def test_list_follows_next_cursor_across_pages(self):
        queue = f"paging-{uuid.uuid4().hex[:8]}"
        ids = {self.client.submit("noop", queue=queue, run_at=LATER).id for _ in range(7)}
        listed = [j.id for j in self.client.list(queue=queue, page_size=2)]
        self.assertEqual(len(listed), 7, "a page of 2 must be followed to all 7 jobs")
        self.assertEqual(set(listed), ids)
        self.assertEqual(listed, sorted(listed, reverse=True), "newest first")
        for job_id in ids:
            self.client.cancel(job_id)

    def test_list_filters_by_status_type_and_queue(self):
        queue = f"filter-{uuid.uuid4().hex[:8]}"
        waiting = self.client.submit("noop", queue=queue, run_at=LATER)
        ran = self.client.submit("square_sum", {"data": [2]}, queue=queue)
        self.client.wait(ran.id, timeout=20 * slow())
        self.assertEqual([j.id for j in self.client.list(queue=queue, status="SCHEDULED")],
                         [waiting.id])
        self.assertEqual([j.id for j in self.client.list(queue=queue, status="succeeded")],
                         [ran.id])
        self.assertEqual([j.id for j in self.client.list(queue=queue, type="square_sum")],
                         [ran.id])
        self.client.cancel(waiting.id)


class ActTest(ClientTestCase):
    def test_cancel_then_retry_and_their_conflicts(self):
        job = self.client.submit("noop", run_at=LATER)
        self.assertEqual(self.client.cancel(job.id).status, "CANCELLED")
        with self.assertRaises(Conflict) as caught:
            self.client.cancel(job.id)
        self.assertEqual(caught.exception.problem["status"], 409)
        self.assertTrue(caught.exception.problem["type"].endswith("/conflict"))
        again = self.client.retry(job.id)
        self.assertEqual((again.status, again.attempt), ("PENDING", 0))
        self.client.wait(job.id, timeout=20 * slow())
        with self.assertRaises(Conflict):
            self.client.retry(job.id)  # SUCCEEDED cannot be retried


class ErrorsTest(ClientTestCase):
    def test_unknown_job_raises_not_found_carrying_the_problem(self):
        missing = "01a2020b-bc04-71e1-9d9f-000000000000"
        with self.assertRaises(NotFound) as caught:
            self.client.get(missing)
        e = caught.exception
        self.assertEqual(e.status, 404)
        self.assertTrue(e.problem["type"].endswith("/job-not-found"), e.problem)
        self.assertIn(missing, e.detail)
        self.assertIsInstance(e, ConveyorError)

    def test_bad_field_and_malformed_id_raise_invalid_request(self):
        with self.assertRaises(InvalidRequest) as caught:
            self.client.submit("noop", priority=42)
        self.assertEqual(caught.exception.status, 422)
        self.assertIn("priority", caught.exception.detail)
        with self.assertRaises(InvalidRequest) as caught:
            self.client.get("42")
        self.assertEqual(caught.exception.status, 400)

    def test_an_unreachable_server_raises_connection_failed(self):
        with Client(f"http://127.0.0.1:{free_port()}", timeout=5) as c:
            with self.assertRaises(ConnectionFailed) as caught:
                c.get("01a2020b-bc04-71e1-9d9f-000000000000")
        self.assertIsNone(caught.exception.status)
        self.assertIsInstance(caught.exception, ConveyorError)

    def test_a_url_that_is_not_http_is_refused_at_once(self):
        with self.assertRaises(ValueError):
            Client("127.0.0.1:8000")


class UnavailableTest(ServerTestCase):
    """Another process holds the SQLite write lock: a submit gets the server's 503."""

    SERVER_ARGS = dict(workers=1)

    def test_store_busy_raises_unavailable_with_retry_after(self):
        client = Client(self.server.base_url, timeout=60 * slow())
        self.addCleanup(client.close)
        client.submit("noop")  # the schema and the WAL exist before the lock is taken
        conn = sqlite3.connect(self.server.db, timeout=10, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            with self.assertRaises(Unavailable) as caught:
                client.submit("noop")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        self.assertEqual(caught.exception.status, 503)
        self.assertTrue(caught.exception.detail)
        self.assertEqual(caught.exception.retry_after, 1.0)
        self.assertTrue(client.submit("noop").is_new)  # and it recovers


class FixedPortServer(Server):
    """A server that comes back on the same port after stop() and start(), as a restarted
    production server does (the harness's own listens on port 0: a new port each start)."""

    def __init__(self, port, **kwargs):
        self.fixed_port = port
        super().__init__(**kwargs)

    def command(self):
        cmd = super().command()
        cmd[cmd.index("--listen") + 1] = f"127.0.0.1:{self.fixed_port}"
        return cmd


class WaitOutageTest(unittest.TestCase):
    def test_wait_rides_out_a_server_restart(self):
        server = FixedPortServer(free_port(), workers=1)
        self.addCleanup(server.close)
        client = Client(server.base_url, timeout=10 * slow())
        due = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=4)
        job = client.submit("noop", run_at=due)
        outcome = {}

        def waiter():
            try:
                outcome["job"] = client.wait(job.id, timeout=60 * slow(), poll_interval=0.1)
            except Exception as e:  # noqa: BLE001 - reported by the assertions below
                outcome["error"] = e
            finally:
                client.close()
        t = threading.Thread(target=waiter, daemon=True)
        t.start()
        time.sleep(0.5)
        server.stop()
        time.sleep(1.5)  # no server at all for a while: connections are refused
        self.assertTrue(t.is_alive(), f"wait ended during the outage: {outcome}")
        server.start()
        t.join(60 * slow())
        self.assertNotIn("error", outcome)
        self.assertEqual(outcome["job"].status, "SUCCEEDED")


if __name__ == "__main__":
    unittest.main()
