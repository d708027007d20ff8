"""Priority order and the no-starvation rule end to end, on SQLite and on PostgreSQL.

docs/scheduling.md "Ordering and fairness": within a queue priority 1 starts first, then FIFO;
and one start in every ten (kAgeShare) goes to the queue's longest-waiting due job, so a
saturating stream of priority-1 jobs cannot keep an older priority-10 job waiting. One worker
makes the starts a sequence, read back from each job's started_at.
"""

import datetime
import itertools
import os
import threading
import time
import unittest

import pg_server
from conveyor_harness import ServerTestCase

AGE_SHARE = 10  # kAgeShare in src/store/claim_planner.h
_databases = itertools.count()


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def sleep_job(queue, priority, seconds=0.05):
    return {"type": "sleep", "payload": {"seconds": seconds}, "queue": queue,
            "priority": priority}


class PriorityChecks:
    """The checks, run against SERVER_ARGS' store (one worker) by each concrete class below."""

    def submit_paused(self, queue, specs):
        """Submits `specs` to a paused queue (all due at once), in order; returns their ids."""
        s = self.server
        self.must_json(s.request("POST", f"/api/v1/queues/{queue}/pause"), 200)
        ids = [self.must_submit(s, spec)["id"] for spec in specs]
        return ids

    def resume(self, queue):
        self.must_json(self.server.request("POST", f"/api/v1/queues/{queue}/resume"), 200)

    def start_order(self, ids):
        jobs = [self.server.wait_for(i, "SUCCEEDED", timeout=60) for i in ids]
        return [j["id"] for j in sorted(jobs, key=lambda j: parse_time(j["started_at"]))]

    def test_priority_one_starts_first_then_fifo_within_a_priority(self):
        q = f"prio-order-{time.monotonic_ns()}"
        order = (5, 10, 1, 3, 1)
        ids = self.submit_paused(q, [sleep_job(q, p) for p in order])
        self.resume(q)
        started = self.start_order(ids)
        by_priority = sorted(range(len(order)), key=lambda i: (order[i], i))  # stable: FIFO
        self.assertEqual(started, [ids[i] for i in by_priority],
                         f"priorities {order} submitted in that order")

    def test_a_stream_of_urgent_jobs_never_starves_an_older_low_priority_job(self):
        s, q = self.server, f"starve-{time.monotonic_ns()}"
        low, *urgent = self.submit_paused(q, [sleep_job(q, 10)] +
                                          [sleep_job(q, 1) for _ in range(3 * AGE_SHARE)])
        stop, streamed = threading.Event(), []

        def stream():  # more priority-1 jobs keep coming while the low one waits (bounded)
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline and len(streamed) < 400:
                r = s.request("POST", "/api/v1/jobs/batch",
                              {"jobs": [sleep_job(q, 1) for _ in range(4)]})
                if r.status == 201:
                    streamed.extend(j["id"] for j in r.body["jobs"])
                stop.wait(0.2)

        feeder = threading.Thread(target=stream, daemon=True)
        self.resume(q)
        feeder.start()
        try:
            done = s.wait_for(low, "SUCCEEDED", timeout=30)
        finally:
            stop.set()
            feeder.join(15)
        low_start = parse_time(done["started_at"])
        jobs = [self.must_json(s.get_job(i), 200) for i in urgent + streamed]
        before = [j for j in jobs if j["started_at"] and parse_time(j["started_at"]) < low_start]
        after = [j for j in jobs if not j["started_at"] or parse_time(j["started_at"]) > low_start]
        # The tenth start of the queue goes to its longest-waiting job: the low one.
        self.assertLessEqual(len(before), AGE_SHARE,
                             "urgent jobs that started before the older priority-10 job")
        self.assertGreater(len(after), AGE_SHARE,
                           "the urgent jobs must still be waiting when the low one starts")
        for i in urgent + streamed:  # leave the single worker idle for the next test
            s.request("DELETE", f"/api/v1/jobs/{i}")


class PrioritiesTest(PriorityChecks, ServerTestCase):
    SERVER_ARGS = dict(workers=1)


class PrioritiesPostgresTest(PriorityChecks, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        url = pg_server.create_database(f"priorities_{os.getpid()}_{next(_databases)}")
        cls.SERVER_ARGS = dict(workers=1, store=url)
        super().setUpClass()


if __name__ == "__main__":
    unittest.main()
