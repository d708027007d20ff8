"""conveyor_client.worker.Worker against the real `conveyor serve`: tasks run with concurrency,
heartbeats keep a long task's lease (and carry its progress to Client.wait), failures are
retried or final, cancel reaches the task, and stopping finishes or releases held jobs."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
import uuid

import _support
from conveyor_client import Client
from conveyor_client.worker import Cancelled, PermanentError, RetryLater, Worker
from conveyor_harness import ServerTestCase, slow


class WorkerTestCase(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = dict(workers=1, extra=_support.FAST + _support.external_types_args())
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.client = Client(self.server.base_url, timeout=30 * slow())
        self.addCleanup(self.client.close)
        # A type only this test's worker serves, under _support.TEST_TYPES.
        self.type = f"pyclient.{uuid.uuid4().hex[:12]}"

    def worker(self, fn, **kwargs):
        """A Worker running `fn` for self.type on a thread; stopped at the end of the test."""
        options = dict(concurrency=2, wait_s=1, lease_s=30, grace_s=5)
        options.update(kwargs)
        w = Worker(self.server.base_url, tasks={self.type: fn}, **options)
        t = threading.Thread(target=w.run, kwargs={"install_signal_handlers": False},
                             daemon=True)
        t.start()
        w.thread = t

        def stop():
            w.stop()
            t.join(60 * slow())
        self.addCleanup(stop)
        return w

    def join(self, w):
        w.stop()
        w.thread.join(60 * slow())
        self.assertFalse(w.thread.is_alive(), "Worker.run did not return after stop()")

    def wait(self, job, seconds=30):
        return self.client.wait(job.id, timeout=seconds * slow(), poll_interval=0.05)


class RunTest(WorkerTestCase):
    def test_tasks_run_concurrently_up_to_the_concurrency(self):
        together = threading.Barrier(4, timeout=20 * slow())

        def meet(job):
            together.wait()  # BrokenBarrierError unless 4 tasks run at the same time
            return {"i": job.payload["i"], "attempt": job.attempt}
        self.worker(meet, concurrency=4)
        jobs = [self.client.submit(self.type, {"i": i}) for i in range(4)]
        for i, job in enumerate(jobs):
            done = self.wait(job)
            self.assertEqual((done.status, done.result), ("SUCCEEDED", {"i": i, "attempt": 1}),
                             done.error)

    def test_heartbeats_keep_a_long_task_leased_and_carry_its_progress(self):
        def long_task(job):
            for step in range(1, 5):
                job.progress(step * 20, f"step {step}")
                job.wait_cancelled(1.0)  # 4 s in all: more than twice the lease
            return "done"
        self.worker(long_task, lease_s=1.5)
        job = self.client.submit(self.type)
        seen = []
        done = self.client.wait(job.id, timeout=30 * slow(), poll_interval=0.1,
                                on_progress=lambda j: seen.append((j.status, j.progress,
                                                                   j.message)))
        self.assertEqual((done.status, done.result, done.attempt), ("SUCCEEDED", "done", 1),
                         "the lease ran out: the job was rescued and run again")
        self.assertNotIn("RETRYING", [e["to"] for e in self.client.events(job.id)])
        middle = [(p, m) for st, p, m in seen if st == "RUNNING" and m]
        self.assertTrue(middle, f"no progress from a heartbeat reached wait(): {seen}")
        self.assertTrue(all(0 < p < 100 and m.startswith("step ") for p, m in middle), seen)

    def test_fractional_progress_keeps_the_lease_whether_or_not_the_server_takes_fractions(self):
        def fractional(job):
            job.progress(33.3, "a third")
            job.wait_cancelled(3.0)  # two lease lengths: only heartbeats keep the lease
            return "done"
        self.worker(fractional, lease_s=1.5)
        job = self.client.submit(self.type)
        seen = []
        done = self.client.wait(job.id, timeout=30 * slow(), poll_interval=0.1,
                                on_progress=lambda j: seen.append((j.status, j.progress)))
        self.assertEqual((done.status, done.attempt), ("SUCCEEDED", 1),
                         "a heartbeat refused for its fractional progress lost the lease")
        running = [p for st, p in seen if st == "RUNNING" and p]
        self.assertTrue(running and all(p in (33, 33.3) for p in running), seen)

    def test_a_failing_task_is_retried_and_then_succeeds(self):
        def flaky(job):
            if job.attempt == 1:
                raise RuntimeError("first try fails")
            return {"attempt": job.attempt}
        self.worker(flaky)
        done = self.wait(self.client.submit(self.type, max_attempts=3))
        self.assertEqual((done.status, done.result), ("SUCCEEDED", {"attempt": 2}))
        self.assertIn("RETRYING", [e["to"] for e in self.client.events(done.id)])

    def test_retry_later_waits_and_permanent_error_fails_at_once(self):
        def chooser(job):
            if job.payload["how"] == "permanent":
                raise PermanentError("bad input, no retry")
            if job.attempt == 1:
                raise RetryLater(0.2, "not yet")
            return job.attempt
        self.worker(chooser)
        permanent = self.wait(self.client.submit(self.type, {"how": "permanent"},
                                                 max_attempts=5))
        self.assertEqual((permanent.status, permanent.attempt, permanent.error),
                         ("FAILED", 1, "bad input, no retry"))
        later = self.wait(self.client.submit(self.type, {"how": "later"}, max_attempts=5))
        self.assertEqual((later.status, later.result), ("SUCCEEDED", 2))

    def test_cancel_reaches_the_running_task(self):
        started = threading.Event()

        def patient(job):
            started.set()
            if job.wait_cancelled(30 * slow()):
                raise Cancelled()
            return "not cancelled"
        self.worker(patient, lease_s=1.5)
        job = self.client.submit(self.type)
        self.assertTrue(started.wait(20 * slow()))
        self.client.cancel(job.id)
        self.assertEqual(self.wait(job).status, "CANCELLED")

    def test_a_task_past_the_jobs_timeout_sees_cancelled_and_fails_as_timed_out(self):
        def overstays(job):
            if job.wait_cancelled(30 * slow()):
                raise Cancelled()
            return "never cancelled"
        self.worker(overstays, lease_s=1.5)
        done = self.wait(self.client.submit(self.type, timeout_s=1, max_attempts=1))
        self.assertEqual((done.status, done.error), ("FAILED", "timed out after 1 s"))

    def test_a_result_that_is_not_json_fails_the_job_for_good(self):
        self.worker(lambda job: {"set": {1, 2}})
        done = self.wait(self.client.submit(self.type, max_attempts=3))
        self.assertEqual((done.status, done.attempt), ("FAILED", 1))
        self.assertIn("not JSON", done.error)


class StopTest(WorkerTestCase):
    def test_stop_lets_the_running_job_finish(self):
        started = threading.Event()

        def slowish(job):
            started.set()
            job.wait_cancelled(1.5)
            return "finished"
        w = self.worker(slowish, lease_s=2)
        job = self.client.submit(self.type)
        self.assertTrue(started.wait(20 * slow()))
        self.join(w)
        done = self.client.get(job.id)
        self.assertEqual((done.status, done.result), ("SUCCEEDED", "finished"))
        self.assertEqual(w.completed, 1)

    def test_stop_releases_a_job_still_running_after_the_grace_time(self):
        started, unblock = threading.Event(), threading.Event()
        self.addCleanup(unblock.set)

        def stuck(job):
            started.set()
            unblock.wait(30 * slow())  # ignores cancel: only the grace time ends it
            return "too late"
        w = self.worker(stuck, grace_s=0.5)
        job = self.client.submit(self.type, max_attempts=3)
        self.assertTrue(started.wait(20 * slow()))
        self.join(w)
        released = self.client.get(job.id)
        self.assertIn(released.status, ("RETRYING", "PENDING"), released)
        self.assertIn("stopped before the task finished", released.error)
        self.assertEqual(w.released, 1)
        unblock.set()  # its late result must not count
        self.worker(lambda job: "second worker")
        done = self.wait(released)
        self.assertEqual((done.status, done.result, done.attempt),
                         ("SUCCEEDED", "second worker", 2))

    def test_sigterm_stops_a_worker_process_after_its_running_job(self):
        script = os.path.join(tempfile.mkdtemp(prefix="pyclient-"), "worker.py")
        with open(script, "w") as f:
            f.write(textwrap.dedent(f"""\
                import sys
                sys.path.insert(0, {os.path.join(_support.PACKAGE_ROOT, 'src')!r})
                from conveyor_client.worker import Worker
                w = Worker(sys.argv[1], wait_s=1, lease_s=2, grace_s=20)

                @w.task({self.type!r})
                def slowish(job):
                    job.progress(10, "started")
                    job.wait_cancelled(2.0)
                    return "finished after SIGTERM"
                w.run()
                print("stopped", w.completed, flush=True)
                """))
        proc = subprocess.Popen([sys.executable, script, self.server.base_url],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        job = self.client.submit(self.type)
        self.server.wait_until(lambda: self.client.get(job.id).status == "RUNNING", 20,
                               "the worker process to start the job")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60 * slow())
        self.assertEqual(proc.returncode, 0, out)
        self.assertIn(b"stopped 1", out)
        done = self.client.get(job.id)
        self.assertEqual((done.status, done.result), ("SUCCEEDED", "finished after SIGTERM"))


if __name__ == "__main__":
    unittest.main()
