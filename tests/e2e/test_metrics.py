"""GET /metrics on every node role, linted by promtool, and counting what the test did.

Nodes: a `conveyor serve` on SQLite; on one throwaway PostgreSQL, an API-only node
(`serve --workers 0`) that accepts the jobs and a `conveyor worker` that runs them. Each node
counts its own transitions (observability/job_transition.h), so jobs_created_total rises on the
node that accepted a job and jobs_completed_total on the node that ran it.

promtool (Debian's `prometheus` package, which `make test` installs) must be present in CI; a
developer machine without it skips the lint with a message. Seed 002's `jobs_pending_count` and
`jobs_processing_count` are gauges whose names end in _count, which promtool's lint flags; the
names are kept because seed 002's users query them (docs/operations.md says so), and the test
checks that those two are the only complaints.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import unittest

from conveyor_harness import PostgresServerTestCase, Server
from webhook_receiver import start_receiver

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.path.join(REPO, "docs", "grafana", "conveyor.json")
FAST_RETRY = ["--retry-base-ms", "50", "--retry-cap-ms", "100"]
SEED_002_LINT = {
    "jobs_pending_count": 'non-histogram and non-summary metrics should not have "_count" suffix',
    "jobs_processing_count": 'non-histogram and non-summary metrics should not have "_count" '
                             'suffix',
}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of (label, value)): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            out[(m.group(1), frozenset(LABEL.findall(m.group(2) or "")))] = float(m.group(3))
    return out


def families(text):
    """{name: type} from the # TYPE lines."""
    return dict(re.findall(r'^# TYPE (\S+) (\S+)$', text, re.M))


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples, name, **labels):
    """The sum over every series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def promtool():
    path = shutil.which("promtool")
    if path is None and not os.environ.get("CI"):
        raise unittest.SkipTest("promtool is missing (apt-get install prometheus, or `make "
                                "deps`); in CI this test must run")
    return path


class MetricsTestCase(PostgresServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            url = cls.pg.create_database("metrics")
            cls.serve = Server(workers=2, extra=FAST_RETRY)
            cls._class_servers.append(cls.serve)
            cls.api = Server(workers=0, store=url, extra=FAST_RETRY)
            cls._class_servers.append(cls.api)
            cls.worker = WorkerNode(url)
            cls._class_servers.append(cls.worker)
        except Exception:
            cls.tearDownClass()  # unittest does not call it when setUpClass fails
            raise

    def scrape(self, node):
        r = node.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.content_type.startswith("text/plain; version=0.0.4"), r.content_type)
        return r.raw.decode()

    def lint(self, text):
        """promtool's complaints about `text` as {name: message}, and its exit code."""
        done = subprocess.run([promtool(), "check", "metrics"], input=text, text=True,
                              capture_output=True, timeout=60)
        problems = {}
        for line in (done.stdout + done.stderr).splitlines():
            name, _, message = line.strip().partition(" ")
            if name:
                problems[name] = message
        return problems, done.returncode

    def wait_value(self, node, expected, name, **labels):
        last = []

        def reached():
            last[:] = [value(parse(self.scrape(node)), name, **labels)]
            return last[0] == expected
        try:
            node.wait_until(reached, 20, f"{name}{labels} == {expected}")
        except AssertionError:
            self.fail(f"{name}{labels} on {node.base_url} is {last}, expected {expected}")


class WorkerNode(Server):
    """`conveyor worker` on a shared PostgreSQL; its port is the admin port (/metrics)."""

    def __init__(self, store):
        super().__init__(workers=2, store=store, extra=FAST_RETRY)

    def command(self):
        return [self.bin, "worker", "--admin-listen", "127.0.0.1:0", "--port-file",
                self.port_file, "--store", self.store, "--workers", str(self.workers)] + self.extra


class PromtoolTest(MetricsTestCase):
    def test_every_node_role_passes_promtool_but_for_seed_002_names(self):
        for node in (self.serve, self.api, self.worker):
            text = self.scrape(node)
            problems, code = self.lint(text)
            self.assertEqual(problems, SEED_002_LINT, f"{node.base_url}: {problems}")
            self.assertEqual(code, 3, "3 is promtool's code for lint problems only")
            ours = re.sub(r'^(# (HELP|TYPE) )?jobs_p\w+_count\b.*\n', "", text, flags=re.M)
            problems, code = self.lint(ours)
            self.assertEqual((problems, code), ({}, 0), f"{node.base_url}: {problems}")

    def test_worker_up_says_which_nodes_run_workers(self):
        self.assertEqual(value(parse(self.scrape(self.serve)), "worker_up"), 1)
        self.assertEqual(value(parse(self.scrape(self.worker)), "worker_up"), 1)
        self.assertEqual(value(parse(self.scrape(self.api)), "worker_up"), 0)

    def test_every_family_is_on_every_node(self):
        names = {"jobs_created_total", "jobs_completed_total", "jobs_failed_total",
                 "jobs_retried_total", "job_duration_seconds", "job_queue_wait_seconds",
                 "jobs_pending_count", "jobs_processing_count", "worker_up",
                 "conveyor_queue_depth", "conveyor_queue_running",
                 "conveyor_queue_oldest_waiting_seconds", "conveyor_http_requests_total",
                 "conveyor_http_request_duration_seconds", "conveyor_webhook_deliveries_total",
                 "conveyor_store_commit_batch_size", "conveyor_store_commit_seconds",
                 "conveyor_jobs", "conveyor_workers"}
        for node in (self.serve, self.api, self.worker):
            self.assertLessEqual(names, set(families(self.scrape(node))), node.base_url)


class CountsTest(MetricsTestCase):
    N, M, K = 5, 3, 2  # jobs that succeed, fail for good, and fail once then succeed

    def submit_all(self, node):
        specs = ([{"type": "noop", "payload": {}}] * self.N +
                 [{"type": "fail", "payload": {"retryable": False}}] * self.M +
                 [{"type": "fail", "payload": {"times": 1}, "max_attempts": 3}] * self.K)
        jobs = [self.must_submit(node, spec) for spec in specs]
        return jobs[:self.N], jobs[self.N:self.N + self.M], jobs[self.N + self.M:]

    def run_scenario(self, accepting, running):
        before = parse(self.scrape(accepting))
        ok, bad, flaky = self.submit_all(accepting)
        for job in ok + flaky:
            accepting.wait_for(job["id"], ["SUCCEEDED"], timeout=30)
        for job in bad:
            accepting.wait_for(job["id"], ["FAILED"], timeout=30)
        N, M, K = self.N, self.M, self.K
        after = parse(self.scrape(accepting))

        def rise(name, **labels):
            return total(after, name, **labels) - total(before, name, **labels)
        self.assertEqual(rise("conveyor_http_requests_total", route="/jobs", method="POST"),
                         N + M + K)
        self.assertEqual(rise("conveyor_http_requests_total", route="/jobs", method="POST",
                              status="201"), N + M + K)
        # Each single-job submit joins a merged insert: the batch sizes add up to the submits.
        self.assertEqual(rise("conveyor_store_commit_batch_size_sum"), N + M + K)
        self.assertGreater(rise("conveyor_store_commit_seconds_count"), 0)

        self.wait_value(accepting, N, "jobs_created_total", job_type="noop")
        self.wait_value(accepting, M + K, "jobs_created_total", job_type="fail")
        self.wait_value(running, N, "jobs_completed_total", job_type="noop")
        self.wait_value(running, K, "jobs_completed_total", job_type="fail")
        self.wait_value(running, M, "jobs_failed_total", job_type="fail")
        self.wait_value(running, K, "jobs_retried_total", job_type="fail")
        attempts = {"noop": N, "fail": M + 2 * K}
        for job_type, n in attempts.items():
            self.wait_value(running, n, "job_duration_seconds_count", job_type=job_type)
            self.wait_value(running, n, "job_queue_wait_seconds_count", job_type=job_type)
            self.wait_value(running, n, "job_duration_seconds_bucket", job_type=job_type,
                            le="+Inf")

    def test_a_serve_node_counts_what_it_accepted_and_ran(self):
        self.run_scenario(self.serve, self.serve)

    def test_an_api_node_counts_submits_and_the_worker_node_counts_runs(self):
        self.run_scenario(self.api, self.worker)
        ran_here = parse(self.scrape(self.api))
        self.assertEqual(total(ran_here, "jobs_completed_total"), 0, "the API node ran nothing")
        accepted_there = parse(self.scrape(self.worker))
        self.assertEqual(total(accepted_there, "jobs_created_total"), 0,
                         "the worker node accepted nothing")


class HttpRoutesTest(MetricsTestCase):
    def test_routes_are_patterns_and_unknown_paths_are_unmatched(self):
        job = self.must_submit(self.serve, {"type": "noop", "payload": {}})
        self.assertEqual(self.serve.request("GET", f"/api/v1/jobs/{job['id']}").status, 200)
        self.assertEqual(self.serve.request("GET", "/no/such/path/4711").status, 404)
        text = self.scrape(self.serve)
        samples = parse(text)
        self.assertGreaterEqual(total(samples, "conveyor_http_requests_total",
                                      route="/jobs/{id}", method="GET", status="200"), 1)
        self.assertGreaterEqual(total(samples, "conveyor_http_requests_total",
                                      route="unmatched", method="GET", status="404"), 1)
        self.assertGreaterEqual(total(samples, "conveyor_http_request_duration_seconds_count",
                                      route="/jobs/{id}", method="GET"), 1)
        self.assertNotIn(job["id"], text, "a raw path must never become a label")
        self.assertNotIn("4711", text)

    def test_webhook_deliveries_are_counted_by_outcome(self):
        rx = start_receiver()
        self.addCleanup(rx.server_close)
        self.addCleanup(rx.shutdown)
        before = value(parse(self.scrape(self.serve)), "conveyor_webhook_deliveries_total",
                       outcome="delivered")
        job = self.must_submit(self.serve, {"type": "noop", "payload": {},
                                            "webhook_url": f"http://127.0.0.1:{rx.port}/ok"})
        self.serve.wait_for(job["id"], ["SUCCEEDED"])
        self.wait_value(self.serve, before + 1, "conveyor_webhook_deliveries_total",
                        outcome="delivered")

    def test_queue_gauges_read_the_store(self):
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        job = self.must_submit(self.api, {"type": "noop", "payload": {}, "queue": "metrics-q",
                                          "run_at": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
        self.cancel_at_end(self.api, job["id"])
        self.wait_value(self.api, 1, "conveyor_queue_depth", queue="metrics-q")
        samples = parse(self.scrape(self.api))
        self.assertEqual(value(samples, "conveyor_queue_running", queue="metrics-q"), 0)
        self.assertEqual(value(samples, "conveyor_queue_oldest_waiting_seconds",
                               queue="metrics-q"), 0, "a job due in an hour is not waiting yet")


class DocsTest(MetricsTestCase):
    def check_rules(self, rules):
        """promtool check rules on {"groups": [...]} (JSON is YAML); fails on its complaint."""
        path = os.path.join(self.serve.tmpdir, "rules.yml")
        with open(path, "w") as f:
            json.dump(rules, f)
        done = subprocess.run([promtool(), "check", "rules", path], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_the_dashboard_queries_are_valid_promql(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        rules = [{"record": f"conveyor:panel{p['id']}_{t['refId']}", "expr": t["expr"]}
                 for p in dashboard["panels"] for t in p["targets"]]
        self.check_rules({"groups": [{"name": "dashboard", "rules": rules}]})

    def test_the_alerts_in_operations_md_are_valid_rules(self):
        with open(os.path.join(REPO, "docs", "operations.md")) as f:
            text = f.read()
        section = text[text.index("## Alerts worth setting"):]
        start = section.index("```yaml\n") + len("```yaml\n")
        block = section[start:section.index("\n```", start)]
        path = os.path.join(self.serve.tmpdir, "alerts.yml")
        with open(path, "w") as f:
            f.write(block)
        done = subprocess.run([promtool(), "check", "rules", path], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("SUCCESS: 5 rules found", done.stdout)

    def test_every_metric_the_dashboard_queries_is_served(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 8)
        served = {}
        for node in (self.serve, self.api, self.worker):
            served.update(families(self.scrape(node)))
        names = set()
        for name, kind in served.items():
            names.add(name)
            if kind == "histogram":
                names |= {name + "_bucket", name + "_sum", name + "_count"}
        # PromQL's own words and the label names of `by (...)`: everything else is a metric.
        promql = {"sum", "max", "rate", "histogram_quantile", "clamp_min", "by", "le",
                  "job_type", "queue", "route", "method", "status", "outcome"}
        for expr in exprs:
            bare = re.sub(r'\{[^}]*\}|\[[^\]]*\]|"[^"]*"', " ", expr)
            bare = re.sub(r'\b\d+(\.\d+)?([eE][+-]?\d+)?\b', " ", bare)
            for word in re.findall(r'[a-zA-Z_:][a-zA-Z0-9_:]*', bare):
                if word not in promql:
                    self.assertIn(word, names, f"{word!r} in {expr!r} is not on /metrics")


if __name__ == "__main__":
    unittest.main()
