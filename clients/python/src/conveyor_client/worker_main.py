"""The worker's command line: `python3 -m conveyor_client --module my_tasks.py` (or the
`conveyor-worker` script) runs the @task functions of the given files until SIGTERM/SIGINT."""

import argparse
import importlib.util
import logging
import os
import socket
import sys

from . import worker


def load_module(path):
    """Imports a .py file whose @task functions register themselves in worker.TASKS."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise SystemExit(f"--module {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _split(text):
    return [s for s in (text or "").split(",") if s]


def parser():
    p = argparse.ArgumentParser(description="A Conveyor worker running Python @task functions.")
    p.add_argument("--url", default=os.environ.get("CONVEYOR_URL", "http://127.0.0.1:8000"))
    p.add_argument("--api-key", default=os.environ.get("CONVEYOR_API_KEY"),
                   help="sent as Authorization: Bearer (env CONVEYOR_API_KEY)")
    p.add_argument("--queues", default="", help="comma-separated queues (default: all)")
    p.add_argument("--types", default="", help="comma-separated types (default: every task)")
    p.add_argument("--concurrency", type=int, default=4, help="jobs run at once (threads)")
    p.add_argument("--batch", type=int, default=10, help="jobs leased per request, at most")
    p.add_argument("--lease-s", type=float, default=30.0, help="lease length; renewed by heartbeats")
    p.add_argument("--wait-s", type=float, default=20.0, help="long-poll time per lease request")
    p.add_argument("--grace-s", type=float, default=30.0, help="time to finish jobs on SIGTERM")
    p.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}")
    p.add_argument("--module", action="append", default=[], help="a .py file with @task functions")
    p.add_argument("--quiet", action="store_true", help="log only problems")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    for path in args.module:
        load_module(path)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    w = worker.Worker(args.url, api_key=args.api_key, tasks=worker.TASKS,
                      worker_id=args.worker_id, queues=_split(args.queues),
                      types=_split(args.types), concurrency=max(1, args.concurrency),
                      batch=max(1, min(100, args.batch)), lease_s=args.lease_s,
                      wait_s=max(0.0, min(60.0, args.wait_s)), grace_s=args.grace_s)
    w.run()
    return 0
