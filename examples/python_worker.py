#!/usr/bin/env python3
"""A Conveyor worker in plain Python: the demo tasks (types "example.*") on the worker of the
client package (clients/python, `conveyor_client.worker`), which does the leasing,
heartbeats, batched completions, retries and graceful stop. The e2e tests and
examples/python_worker_bench.py run this file.

    python3 examples/python_worker.py --url http://127.0.0.1:8000 --concurrency 8 \
        --module my_tasks.py            # a file with @task("type") functions

It runs from a checkout without installing the package (it finds clients/python/src); files
written for the earlier stand-alone example (`from python_worker import task, RetryLater`)
still load. New code imports the package: `from conveyor_client.worker import task`.
"""

import os
import sys

try:
    import conveyor_client  # noqa: F401  (installed: pip install --no-build-isolation ./clients/python)
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients",
                                    "python", "src"))

from conveyor_client.worker import (TASKS, Cancelled, PermanentError, RetryLater,  # noqa: E402,F401
                                    TaskContext, Worker, task)
from conveyor_client.worker_main import main  # noqa: E402

# `--module` files of the earlier example import `python_worker`: let them find this module.
sys.modules.setdefault("python_worker", sys.modules[__name__])


@task("example.echo")
def echo(job):
    """Returns its payload: the smallest possible task."""
    return {"echo": job.payload}


@task("example.sleep")
def sleep(job):
    """Sleeps payload.seconds (a number, or a list: the entry for this attempt, the last entry
    for later ones), reporting progress in 10 steps and stopping when cancelled."""
    seconds = job.payload.get("seconds", 1)
    if isinstance(seconds, list):
        seconds = seconds[min(job.attempt, len(seconds)) - 1]
    for step in range(10):
        job.progress(step * 10, f"step {step + 1} of 10")
        if job.wait_cancelled(seconds / 10.0):
            raise Cancelled()
    return {"slept_s": seconds, "attempt": job.attempt}


@task("example.flaky")
def flaky(job):
    """Fails until attempt payload.succeed_on (default 2): retryable unless payload.permanent,
    after payload.retry_in_s when given."""
    if job.attempt < job.payload.get("succeed_on", 2):
        if job.payload.get("permanent"):
            raise PermanentError(f"attempt {job.attempt} failed for good")
        if "retry_in_s" in job.payload:
            raise RetryLater(job.payload["retry_in_s"], f"attempt {job.attempt} failed")
        raise RuntimeError(f"attempt {job.attempt} failed")
    return {"attempt": job.attempt}


if __name__ == "__main__":
    sys.exit(main())
