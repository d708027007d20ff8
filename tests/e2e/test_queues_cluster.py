"""Queue scheduling across two real `conveyor serve` processes on one PostgreSQL (docs/scheduling.md).

The store conformance suite proves these rules with two store handles in one process; here two
nodes run as separate processes and share one database, as in production:

- weighted shares: queues of weight 1, 3 and 6, all backlogged, both nodes working; the first
  35 % of starts (ordered by started_at) are shared by weight within +-10 % *relative* to each
  queue's weight share (|n - expected| <= 0.10 * expected + 2 jobs: the 2 jobs are the two
  nodes' stride rounding, one each);
- a concurrency limit of 3 is never exceeded by both nodes together (overlap of the jobs'
  started_at..finished_at, and GET /queues/{name} sampled while they run), and is reached;
- a rate limit of N per aligned window holds for both nodes together; limited jobs wait PENDING
  with waiting_reason rate_limited and all succeed;
- a pause made on one node stops the starts of the other at once; a resume restarts them;
- queue settings changed on one node reach a node that has been quiet meanwhile (its first
  submit takes the new defaults, its first read says queue_paused).

Each test gets its own database on one throwaway PostgreSQL server (pg_server.py) and its own
two nodes. Times are started_at/finished_at as the store recorded them (one machine, one clock).
"""

import datetime
import os
import re
import time
import unittest
import urllib.parse

import pg_server
from conveyor_harness import HealthProber, ServerTestCase, scaled, slow


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def list_jobs(node, **filters):
    """Every job matching the filters (queue, status, type), following next_cursor (bounded)."""
    jobs, cursor = [], None
    for _ in range(200):
        query = dict(filters, limit=1000)
        if cursor:
            query["cursor"] = cursor
        r = node.request("GET", "/api/v1/jobs?" + urllib.parse.urlencode(query), timeout=30)
        if r.status != 200:
            raise AssertionError(f"listing jobs: {r!r}")
        jobs.extend(r.body["jobs"])
        cursor = r.body.get("next_cursor")
        if not cursor:
            return jobs
    raise AssertionError("more than 200 pages of jobs")


def local_completions(node):
    """This node's own finished attempts, from its /metrics."""
    text = node.request("GET", "/metrics").body
    m = re.search(r'^conveyor_attempts_completed_total\{worker="local"\} (\d+)', text, re.M)
    return int(m.group(1)) if m else 0


def max_overlap(jobs, slack_s):
    """Most jobs whose [started_at + slack, finished_at) intervals overlap at one instant.

    The slack forgives a claim whose "now" was read a moment before another node committed the
    completion that made room (the store counted right; the two clock reads raced: measured up
    to about 10 ms, against jobs of 300 ms)."""
    edges = []
    for j in jobs:
        start, end = parse_time(j["started_at"]) + slack_s, parse_time(j["finished_at"])
        if end > start:
            edges += [(start, 1), (end, -1)]
    edges.sort(key=lambda e: (e[0], e[1]))  # at a tie the end counts first
    best = now = 0
    for _, d in edges:
        now += d
        best = max(best, now)
    return best


class QueuesClusterTest(ServerTestCase):
    """Two nodes per test on a fresh database of one PostgreSQL server."""

    def two_nodes(self, name, workers=(3, 3), extra=()):
        url = pg_server.create_database(f"{name}_{os.getpid()}")
        return [self.new_server(workers=w, store=url,
                                extra=["--node-name", f"{name}-{i}"] + list(extra))
                for i, w in enumerate(workers)]

    def patch(self, node, queue, body):
        return self.must_json(node.request("PATCH", f"/api/v1/queues/{queue}", body), 200)

    def submit_batch(self, node, jobs):
        ids = []
        for start in range(0, len(jobs), 1000):
            body = self.must_json(node.request("POST", "/api/v1/jobs/batch",
                                               {"jobs": jobs[start:start + 1000]}, timeout=60),
                                  201)
            ids += [j["id"] for j in body["jobs"]]
        return ids

    def wait_done(self, node, count, timeout_s, **filters):
        return node.wait_until(
            lambda: (lambda js: js if len(js) >= count else None)(
                list_jobs(node, status="SUCCEEDED", **filters)),
            timeout_s, f"{count} jobs SUCCEEDED ({filters})")

    def test_saturated_queues_share_starts_by_weight_across_two_nodes(self):
        a, b = self.two_nodes("weights")
        weights = {"w1": 1, "w3": 3, "w6": 6}
        for q, w in weights.items():
            self.patch(a, q, {"weight": w})
        # Backlogs in proportion to the weights, so every queue stays backlogged past the sample.
        per_weight = min(scaled(90, 30), 100)
        jobs = []
        for i in range(per_weight * 6):  # interleaved, in one batch: all due at one instant
            for q, w in weights.items():
                if i < per_weight * w:
                    jobs.append({"type": "sleep", "payload": {"seconds": 0.02}, "queue": q})
        total = len(jobs)
        sample = int(total * 0.35)
        with HealthProber(b) as prober:
            self.submit_batch(a, jobs)
            # Wait until well past the sample (40 %) have started, then stop all starts.
            a.wait_until(lambda: len([j for j in list_jobs(a) if j["started_at"]]) >= total * 0.4,
                         90, "40 % of the jobs started")
            for q in weights:
                self.must_json(a.request("POST", f"/api/v1/queues/{q}/pause"), 200)
        prober.check(self)
        started = sorted((parse_time(j["started_at"]), j["queue"])
                         for j in list_jobs(a) if j["started_at"])
        counts = {q: 0 for q in weights}
        for _, q in started[:sample]:
            counts[q] += 1
        for q, w in weights.items():
            expected = sample * w / sum(weights.values())
            self.assertLessEqual(abs(counts[q] - expected), 0.10 * expected + 2,
                                 f"queue {q} (weight {w}) got {counts[q]} of the first {sample} "
                                 f"starts, expected {expected:.1f} +-10 %: {counts}")
        self.assertGreater(local_completions(a), 0, "node a ran no job")
        self.assertGreater(local_completions(b), 0, "node b ran no job")

    def test_concurrency_limit_is_never_exceeded_across_two_nodes(self):
        a, b = self.two_nodes("limit", workers=(4, 4))
        self.patch(a, "limited", {"concurrency_limit": 3})
        n = scaled(40, 20)
        ids = self.submit_batch(a, [{"type": "sleep", "payload": {"seconds": 0.3},
                                     "queue": "limited"} for _ in range(n)])
        sampled = []
        deadline = time.monotonic() + 120 * slow()
        while time.monotonic() < deadline:
            for node in (a, b):
                q = self.must_json(node.request("GET", "/api/v1/queues/limited"), 200)
                sampled.append(q["running"])
                self.assertLessEqual(q["running"], 3, f"sampled on {node.base_url}: {q}")
            if q["depth"]["succeeded"] >= n:
                break
            time.sleep(0.2)
        done = self.wait_done(a, n, 30, queue="limited")
        self.assertEqual(sorted(j["id"] for j in done), sorted(ids))
        overlap = max_overlap(done, slack_s=0.05)
        self.assertLessEqual(overlap, 3, "the two nodes together ran more than the limit")
        self.assertEqual(overlap, 3, "the limit was never reached: the test proves nothing")
        self.assertGreater(local_completions(a), 0, "node a ran no job")
        self.assertGreater(local_completions(b), 0, "node b ran no job")
        self.assertTrue(any(s > 0 for s in sampled), f"never sampled a running job: {sampled}")

    def test_rate_limit_holds_across_two_nodes_and_limited_jobs_wait(self):
        a, b = self.two_nodes("rate")
        per, period_s = 4, 3
        self.must_json(a.request("PUT", "/api/v1/rate-limits/cube_sum",
                                 {"rate": f"{per}/{period_s}s"}), 200)
        spec = {"type": "cube_sum", "payload": {"data": [1, 2]}}
        ids = self.submit_batch(a, [spec] * (per * 3 // 2))
        ids += self.submit_batch(b, [spec] * (per * 3 - per * 3 // 2))
        # While the budget is spent, a waiting job says so on either node and stays PENDING.
        def limited():
            for node in (a, b):
                for j in list_jobs(node, type="cube_sum", status="PENDING"):
                    w = j["waiting_reason"]
                    if w and w["code"] == "rate_limited":
                        return j
            return None
        held = a.wait_until(limited, 10, "a job waiting with waiting_reason rate_limited")
        self.assertEqual(held["status"], "PENDING")
        done = self.wait_done(a, len(ids), 60, type="cube_sum")
        self.assertEqual(sorted(j["id"] for j in done), sorted(ids), "a limited job must not fail")
        windows = {}
        for j in done:
            w = int(parse_time(j["started_at"]) * 1000) // (period_s * 1000)
            windows[w] = windows.get(w, 0) + 1
        self.assertLessEqual(max(windows.values()), per,
                             f"starts per aligned {period_s}s window: {sorted(windows.items())}")
        self.assertGreaterEqual(len(windows), 3, f"12 jobs at 4 per window: {windows}")
        self.assertGreater(local_completions(a) + local_completions(b), 0)
        self.assertEqual(len(done), per * 3)

    def test_pause_on_one_node_stops_starts_on_the_other_and_resume_restarts_them(self):
        # Node a serves the API only; node b runs every job: the pause must reach b via the store.
        a, b = self.two_nodes("pause", workers=(0, 3))
        n = scaled(60, 30)
        self.submit_batch(a, [{"type": "sleep", "payload": {"seconds": 0.1}, "queue": "pq"}
                              for _ in range(n)])
        a.wait_until(lambda: len(list_jobs(a, queue="pq", status="SUCCEEDED")) >= 3, 30,
                     "node b to run some jobs")
        self.must_json(a.request("POST", "/api/v1/queues/pq/pause"), 200)
        paused_at = time.time()
        time.sleep(2.0 * slow())
        before = {j["id"]: j["started_at"] for j in list_jobs(a, queue="pq") if j["started_at"]}
        late = [t for t in before.values() if parse_time(t) > paused_at + 0.5]
        self.assertEqual(late, [], "jobs started on node b after the pause on node a")
        self.assertLess(len(before), n, "every job ran: the pause came too late to prove anything")
        time.sleep(1.0)
        after = {j["id"] for j in list_jobs(a, queue="pq") if j["started_at"]}
        self.assertEqual(after, set(before), "starts went on while the queue was paused")
        # Node b explains the wait from its queue snapshot (at most about a second old).
        pending = list_jobs(b, queue="pq", status="PENDING")
        self.assertTrue(pending)
        self.assertEqual({j["waiting_reason"]["code"] for j in pending}, {"queue_paused"})
        self.must_json(a.request("POST", "/api/v1/queues/pq/resume"), 200)
        self.wait_done(a, n, 60, queue="pq")
        self.assertEqual(local_completions(a), 0, "the API-only node ran jobs")
        self.assertEqual(local_completions(b), n)

    def test_queue_changes_reach_a_quiet_node(self):
        # Regression: a node refreshed its queue snapshot only when a read found it stale, and
        # that read still got the stale one: the first submit on node b after a quiet spell took
        # the queue defaults from before node a's PATCH, and its first read of a job said
        # "ready" for a queue paused seconds before. Docs: changes show within about a second.
        a, b = self.two_nodes("quiet", workers=(0, 0))
        self.patch(a, "dq", {"max_attempts": 7, "timeout_s": 42, "paused": True})
        time.sleep(3.0)
        job = self.must_submit(b, {"type": "noop", "queue": "dq"})
        self.assertEqual((job["max_attempts"], job["timeout_s"]), (7, 42),
                         "the first submit on node b ignored node a's queue defaults")
        self.patch(a, "pq", {"paused": True})
        on_a = self.must_submit(a, {"type": "noop", "queue": "pq"})
        time.sleep(3.0)
        got = self.must_json(b.get_job(on_a["id"]), 200)
        self.assertEqual(got["waiting_reason"]["code"], "queue_paused", got["waiting_reason"])


if __name__ == "__main__":
    unittest.main()
