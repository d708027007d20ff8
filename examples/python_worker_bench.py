#!/usr/bin/env python3
"""Completed jobs per second of examples/python_worker.py against a running Conveyor server.

Submits N `example.echo` jobs (batches of 1000), starts the example worker as a separate
process, and waits until all of them are SUCCEEDED (counted from /admin/stats):

    conveyor serve --workers 0 --listen 127.0.0.1:8000 --external-types 'example.*' &
    python3 examples/python_worker_bench.py --url http://127.0.0.1:8000 --jobs 5000 --concurrency 16
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_worker.py")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--jobs", type=int, default=5000)
    p.add_argument("--concurrency", default="16")
    p.add_argument("--batch", default="100")
    a = p.parse_args()

    def post(path, body):
        req = urllib.request.Request(a.url + path, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(req))

    def succeeded():
        stats = json.load(urllib.request.urlopen(a.url + "/api/v1/admin/stats"))
        return stats["status_breakdown"]["SUCCEEDED"]

    base = succeeded()
    for i in range(0, a.jobs, 1000):
        post("/api/v1/jobs/batch", {"jobs": [{"type": "example.echo", "payload": {"i": j}}
                                             for j in range(i, min(a.jobs, i + 1000))]})
    started = time.monotonic()
    worker = subprocess.Popen([sys.executable, WORKER, "--url", a.url, "--concurrency",
                               a.concurrency, "--batch", a.batch, "--wait-s", "1", "--quiet"])
    try:
        while succeeded() - base < a.jobs:
            if worker.poll() is not None:
                sys.exit(f"the worker exited with {worker.returncode}")
            time.sleep(0.05)
        took = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(60)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{a.jobs} jobs, concurrency {a.concurrency}, batch {a.batch}: {took:.2f} s, "
          f"{a.jobs / took:.0f} completed/s (worker CPU {cpu.ru_utime + cpu.ru_stime:.1f} s)")


if __name__ == "__main__":
    main()
