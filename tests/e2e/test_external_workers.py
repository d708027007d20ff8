"""External workers over HTTP (issue 3): the example Python worker (examples/python_worker.py)
runs as a separate process against the real binary and leases, heartbeats, completes and fails
jobs; the worker routes' contract (409 stale token, 404 unknown job, long poll); node roles
(`serve --workers 0`, `conveyor worker --admin-listen`), /metrics and GET /nodes."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
import uuid

from conveyor_harness import Server, ServerTestCase, slow

EXAMPLE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "examples", "python_worker.py"))
FAST_RESCUE = ["--rescue-interval-ms", "200", "--retry-base-ms", "50", "--retry-cap-ms", "200"]
# The types these tests give external workers, declared as an operator would: a job may be
# submitted before its worker's first lease names the type.
EXTERNAL_TYPES = ["--external-types", "example.*,test.*"]


class ExternalWorker:
    """The example worker as its own process, logging to a file in the server's temp dir."""

    def __init__(self, server, *args):
        self.log_path = os.path.join(server.tmpdir, f"worker-{uuid.uuid4().hex[:8]}.log")
        self.log = open(self.log_path, "wb")
        cmd = [sys.executable, EXAMPLE, "--url", server.base_url] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout * slow())
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        return self.proc.returncode

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def tail(self):
        with open(self.log_path, "rb") as f:
            return f.read()[-4000:].decode("utf-8", "replace")


class WorkerNode(Server):
    """`conveyor worker` on an existing node's SQLite file; its port is the admin port."""

    def __init__(self, db, **kwargs):
        self.shared_db = db
        super().__init__(**kwargs)

    def command(self):
        return [self.bin, "worker", "--admin-listen", "127.0.0.1:0", "--port-file",
                self.port_file, "--store", "sqlite:" + self.shared_db,
                "--workers", str(self.workers)] + self.extra


class ExternalWorkerTestCase(ServerTestCase):
    def start_worker(self, *args, server=None):
        w = ExternalWorker(server or self.server, "--wait-s", "2", "--grace-s", "5", *args)
        self.addCleanup(w.stop)
        self.addCleanup(lambda: self._failed() and sys.stderr.write(
            f"\n----- python worker log -----\n{w.tail()}\n"))
        return w

    def post(self, path, body, server=None, timeout=15.0):
        return (server or self.server).request("POST", path, body, timeout=timeout)

    def lease(self, types, server=None, wait_s=0, max_jobs=1, lease_s=30):
        body = {"worker_id": "e2e-test", "types": types, "max": max_jobs, "wait_s": wait_s,
                "lease_s": lease_s}
        if types is None:
            del body["types"]
        return self.must_json(self.post("/api/v1/leases", body, server, timeout=wait_s + 15),
                              200)["jobs"]

    def job(self, job_id, server=None):
        return self.must_json((server or self.server).get_job(job_id), 200)

    def submit(self, type_name, payload=None, server=None):
        return self.must_submit(server or self.server, {"type": type_name,
                                                        "payload": payload or {}})


class PythonWorkerTest(ExternalWorkerTestCase):
    SERVER_ARGS = dict(workers=1, extra=FAST_RESCUE + EXTERNAL_TYPES)

    def test_echo_completes_with_the_tasks_result(self):
        self.start_worker("--concurrency", "2")
        job = self.submit("example.echo", {"x": [1, 2]})
        done = self.server.wait_for(job["id"], ["SUCCEEDED"])
        self.assertEqual(done["result"], {"echo": {"x": [1, 2]}})
        self.assertEqual(done["attempt"], 1)

    def test_retryable_failure_is_retried_after_retry_in_s(self):
        self.start_worker()
        job = self.submit("example.flaky", {"succeed_on": 2, "retry_in_s": 0.1})
        done = self.server.wait_for(job["id"], ["SUCCEEDED"])
        self.assertEqual(done["result"], {"attempt": 2})
        states = [e["to"] for e in self.server.events(job["id"])]
        self.assertIn("RETRYING", states)

    def test_non_retryable_failure_fails_at_once(self):
        self.start_worker()
        job = self.submit("example.flaky", {"permanent": True, "succeed_on": 5})
        done = self.server.wait_for(job["id"], ["FAILED"])
        self.assertEqual(done["attempt"], 1)
        self.assertIn("for good", done["error"])

    def test_heartbeats_carry_progress_and_cancel(self):
        self.start_worker("--lease-s", "1.5")
        job = self.submit("example.sleep", {"seconds": 60})
        self.cancel_at_end(self.server, job["id"])
        self.server.wait_until(lambda: self.job(job["id"])["progress"] > 0, 20,
                               "progress from a heartbeat")
        running = self.job(job["id"])
        self.assertEqual(running["status"], "RUNNING")
        self.assertTrue(running["message"].startswith("step "), running)
        self.must_json(self.server.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        self.server.wait_for(job["id"], ["CANCELLED"])

    def test_job_of_a_killed_worker_is_run_again_after_its_lease_expires(self):
        first = self.start_worker("--lease-s", "2")
        job = self.submit("example.sleep", {"seconds": [60, 0.1]})
        self.cancel_at_end(self.server, job["id"])
        self.server.wait_for(job["id"], ["RUNNING"], fail_on_other_terminal=False)
        first.kill9()
        self.start_worker("--lease-s", "2")
        done = self.server.wait_for(job["id"], ["SUCCEEDED"], timeout=30)
        self.assertEqual(done["result"]["attempt"], 2)

    def test_sigterm_lets_the_running_job_finish(self):
        w = self.start_worker("--lease-s", "2")
        job = self.submit("example.sleep", {"seconds": 1})
        self.server.wait_for(job["id"], ["RUNNING"], fail_on_other_terminal=False)
        self.assertEqual(w.stop(), 0, w.tail())
        self.assertEqual(self.job(job["id"])["status"], "SUCCEEDED")


class WorkerRoutesTest(ExternalWorkerTestCase):
    SERVER_ARGS = dict(workers=0, extra=FAST_RESCUE + EXTERNAL_TYPES)

    def unique_type(self):
        return "test.manual." + uuid.uuid4().hex[:12]

    def test_stale_or_wrong_token_is_409_and_changes_nothing(self):
        t = self.unique_type()
        job = self.submit(t, {"n": 1})
        [leased] = self.lease([t])
        self.assertEqual(leased["id"], job["id"])
        self.assertEqual(leased["payload"], {"n": 1})
        self.assertEqual(leased["attempt"], 1)
        base = f"/api/v1/jobs/{job['id']}"
        wrong = {"lease_token": "not-the-token", "result": 1, "error": "x"}
        for verb in ("complete", "fail", "heartbeat"):
            with self.subTest(verb=verb):
                self.must_problem(self.post(f"{base}/{verb}", wrong), 409,
                                  path=f"{base}/{verb}")
        self.assertEqual(self.job(job["id"])["status"], "RUNNING")
        beat = self.must_json(self.post(f"{base}/heartbeat",
                                        {"lease_token": leased["lease_token"], "progress": 30}),
                              200)
        self.assertFalse(beat["cancel_requested"])
        self.assertEqual(self.job(job["id"])["progress"], 30)
        ok = {"lease_token": leased["lease_token"], "result": {"done": True}}
        self.must_json(self.post(f"{base}/complete", ok), 200)
        self.must_problem(self.post(f"{base}/complete", ok), 409)
        done = self.job(job["id"])
        self.assertEqual((done["status"], done["result"]), ("SUCCEEDED", {"done": True}))

    def test_unknown_job_is_404_and_bad_bodies_are_4xx(self):
        missing = f"/api/v1/jobs/{uuid.uuid4()}"
        for verb in ("complete", "fail", "heartbeat"):
            with self.subTest(verb=verb):
                self.must_problem(self.post(f"{missing}/{verb}", {"lease_token": "t"}), 404)
        self.must_problem(self.post("/api/v1/jobs/42/complete", {"lease_token": "t"}), 400)
        not_json = self.server.request("POST", f"{missing}/complete", "not json",
                                       {"Content-Type": "application/json"})
        self.must_problem(not_json, 400)
        self.must_problem(self.post(f"{missing}/complete", {}), 422,
                          detail_contains="lease_token")
        self.must_problem(self.post(f"{missing}/fail", {"lease_token": "t", "retryable": "no"}),
                          422, detail_contains="retryable")
        for bad in ({"worker_id": "w", "max": 0}, {"worker_id": "w", "max": 101},
                    {"worker_id": "w", "wait_s": 61}, {"max": 1}, {"worker_id": "w", "types": "x"},
                    {"worker_id": "w", "lease_s": 0}):
            with self.subTest(body=bad):
                self.must_problem(self.post("/api/v1/leases", bad), 422)
        self.must_problem(self.post("/api/v1/leases", [1]), 400)

    def test_fail_with_retry_in_s_then_lease_again(self):
        t = self.unique_type()
        job = self.submit(t)
        [leased] = self.lease([t])
        r = self.must_json(self.post(f"/api/v1/jobs/{job['id']}/fail",
                                     {"lease_token": leased["lease_token"], "error": "busy",
                                      "retryable": True, "retry_in_s": 0.2}), 200)
        self.assertEqual(r["status"], "RETRYING")
        again = self.server.wait_until(lambda: self.lease([t]), 20, "the retried job")
        self.assertEqual((again[0]["id"], again[0]["attempt"]), (job["id"], 2))

    def test_long_poll_answers_as_soon_as_a_job_arrives(self):
        t = self.unique_type()
        self.assertEqual(self.lease([t], wait_s=0.3), [], "nothing to lease: empty after wait_s")
        got = {}

        def poll():
            started = time.monotonic()
            got["jobs"] = self.lease([t], wait_s=30)
            got["elapsed"] = time.monotonic() - started

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.3)
        job = self.submit(t)
        poller.join(60)
        self.assertFalse(poller.is_alive())
        self.assertEqual([j["id"] for j in got["jobs"]], [job["id"]])
        # Generous: the answer comes on the submit's wake-up, far before wait_s (30 s).
        self.assertLess(got["elapsed"], 20, "the long poll waited for its full wait_s")

    def test_builtin_types_are_leased_only_when_named(self):
        job = self.submit("noop")
        t = self.unique_type()
        other = self.submit(t)
        leased = self.lease(None, max_jobs=100)
        ids = [j["id"] for j in leased]
        self.assertIn(other["id"], ids)
        self.assertNotIn(job["id"], ids, "a built-in type went to an external worker")
        [named] = self.lease(["noop"])
        self.assertEqual(named["id"], job["id"])
        self.must_json(self.post(f"/api/v1/jobs/{job['id']}/complete",
                                 {"lease_token": named["lease_token"]}), 200)

    def test_api_only_node_never_runs_jobs(self):
        job = self.submit("square_sum", {"data": [1, 2]})
        time.sleep(1.0)  # a local worker would have run it in milliseconds
        self.assertEqual(self.job(job["id"])["status"], "PENDING")
        metrics = self.server.request("GET", "/metrics")
        self.assertEqual(metrics.status, 200)
        self.assertIn("conveyor_workers 0", metrics.raw.decode())
        [leased] = self.lease(["square_sum"])  # clean up: nobody else will run it
        self.must_json(self.post(f"/api/v1/jobs/{job['id']}/complete",
                                 {"lease_token": leased["lease_token"], "result": 5}), 200)


class NodeRolesTest(ExternalWorkerTestCase):
    def test_worker_node_runs_jobs_of_an_api_node_and_both_are_listed(self):
        api = self.new_server(workers=0, extra=FAST_RESCUE + ["--node-name", "api-1"])
        wdir = os.path.join(api.tmpdir, "worker")
        os.makedirs(wdir)
        node = WorkerNode(api.db, workers=1, tmpdir=wdir,
                          extra=FAST_RESCUE + ["--node-name", "worker-1"])
        self._servers.append(node)
        self.addCleanup(node.close)
        self.assertEqual(node.request("GET", "/health").status, 200)
        metrics = node.request("GET", "/metrics")
        self.assertEqual(metrics.status, 200)
        self.assertTrue(metrics.content_type.startswith("text/plain"), metrics.content_type)
        self.assertIn('conveyor_jobs{state="PENDING"}', metrics.raw.decode())
        self.assertEqual(node.request("GET", "/api/v1/jobs").status, 404,
                         "a worker node has no public API")
        job = self.submit("square_sum", {"data": [1, 2, 3]}, server=api)
        done = api.wait_for(job["id"], ["SUCCEEDED"])
        self.assertEqual(done["result"], 14)
        nodes = api.wait_until(lambda: self.both_listed(api), 20, "both nodes in GET /nodes")
        self.assertEqual(nodes["api-1"]["role"], "api")
        self.assertEqual(nodes["worker-1"]["role"], "worker")
        for n in nodes.values():
            self.assertTrue(n["alive"], n)
            self.assertIsInstance(n["leader"], bool)
            self.assertIsInstance(n["running_jobs"], int)

    def both_listed(self, api):
        body = self.must_json(api.request("GET", "/api/v1/nodes"), 200)
        nodes = {n["name"]: n for n in body["nodes"]}
        return nodes if {"api-1", "worker-1"} <= set(nodes) else None


if __name__ == "__main__":
    unittest.main()
