#!/usr/bin/env python3
"""bench/peers: Conveyor against graphile-worker, pg-boss and BullMQ in one run (issue 15).

    python3 bench/peers/run_peers.py [--jobs N] [--reps N] [--latency-s S] [--out DIR]

Workloads, the same for every system (docs/performance.md): bulk enqueue of --jobs no-op jobs in
batches of 1,000; burn-down of them by one worker process; add→start latency at 200 jobs/s.
Systems: Conveyor on SQLite, Conveyor on PostgreSQL, graphile-worker and pg-boss on the same
PostgreSQL, BullMQ on Redis. Repetitions rotate the order of the systems, so a noisy moment
does not always hit the same one. Prints a ratio table per workload and writes the raw figures
to <out>/run-<time>-*/results.json and results.csv, beside the run's logs.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

import peers_conveyor
import peers_node
import peers_report
from peers_infra import Postgres, Redis

SYSTEMS = ["conveyor-sqlite", "conveyor-postgres", "graphile-worker", "pg-boss", "bullmq"]
RUNNER_NAMES = {"graphile-worker": "graphile", "pg-boss": "pgboss", "bullmq": "bullmq"}
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class NoDatabaseProcess:
    """SQLite runs inside the server: its CPU is the process's."""

    @staticmethod
    def cpu_us():
        return 0.0


def parse_args():
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=int(env("PEERS_JOBS", "100000")),
                   help="jobs per enqueue and burn-down (env PEERS_JOBS; default 100,000)")
    p.add_argument("--reps", type=int, default=int(env("PEERS_REPS", "2")),
                   help="repetitions of every system (env PEERS_REPS; default 2)")
    p.add_argument("--latency-s", type=float, default=float(env("PEERS_LATENCY_S", "0") or 0),
                   help="length of the latency workload (env PEERS_LATENCY_S; default 10 s at "
                        "100,000 jobs, scaled down with --jobs to at least 1 s)")
    p.add_argument("--rate", type=float, default=200, help="jobs/s of the latency workload")
    p.add_argument("--batch", type=int, default=1000, help="jobs per insert (Conveyor's limit)")
    p.add_argument("--inflight", type=int, default=4, help="insert batches in flight")
    p.add_argument("--conveyor-workers", type=int, default=2,
                   help="conveyor serve --workers (default 2, as `conveyor bench`)")
    p.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset")
    p.add_argument("--bin", default=env("CONVEYOR_BIN", os.path.join(REPO, "build", "conveyor")))
    p.add_argument("--out", default=env("PEERS_OUT", os.path.join(REPO, "build", "bench-peers")))
    a = p.parse_args()
    if not a.latency_s:
        # 10 s at the full size; a small smoke run (PEERS_JOBS=2000) keeps well under 2 minutes.
        a.latency_s = max(1.0, min(10.0, a.jobs / 10000))
    a.systems = [s for s in a.systems.split(",") if s]
    unknown = set(a.systems) - set(SYSTEMS)
    if unknown:
        p.error("unknown systems: %s (known: %s)" % (", ".join(sorted(unknown)),
                                                     ", ".join(SYSTEMS)))
    return a


def check_node(systems):
    """The peers' pinned versions need Node 20 and `npm ci` (`make bench-peers` runs it)."""
    if not any(s in RUNNER_NAMES for s in systems):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        version = ""
    if not version.startswith("v") or int(version[1:].split(".")[0]) < 20:
        sys.exit("bench/peers needs Node 20 or newer (found %r): pg-boss 10 and ioredis 6 ask "
                 "for it" % version.strip())
    if not os.path.isdir(os.path.join(here, "node_modules")):
        sys.exit("bench/peers: no node_modules; run `npm ci` in %s (make bench-peers does)" % here)


def run_once(system, mode, cfg, name, pg, redis, run_dir):
    """One run of one system on a store of its own; figures as peers_node/peers_conveyor give."""
    if system.startswith("conveyor-"):
        fn = peers_conveyor.run_burn if mode == "burn" else peers_conveyor.run_latency
        d = tempfile.mkdtemp(prefix=name + "-", dir=run_dir)
        if system == "conveyor-sqlite":
            result = fn(cfg["bin"], "sqlite:" + os.path.join(d, "conveyor.db"), cfg,
                        NoDatabaseProcess, d)
            for f in glob.glob(os.path.join(d, "conveyor.db*")):
                os.remove(f)  # the logs stay; 100,000 jobs' worth of database need not
            return result
        result = fn(cfg["bin"], pg.fresh_database(name), cfg, pg, d)
    else:
        fn = peers_node.run_burn if mode == "burn" else peers_node.run_latency
        log = os.path.join(run_dir, name + ".log")
        if system == "bullmq":
            redis.flush()
            return fn(RUNNER_NAMES[system], dict(cfg, redis_port=redis.port), redis, log)
        result = fn(RUNNER_NAMES[system], dict(cfg, url=pg.fresh_database(name)), pg, log)
    pg.drop_database(name)
    return result


def run_system(system, rep, args, pg, redis, run_dir):
    """Both runs of one system (enqueue + burn-down, then latency)."""
    cfg = {"jobs": args.jobs, "batch": args.batch, "inflight": args.inflight,
           "rate": args.rate, "seconds": args.latency_s, "warmup": 50,
           "timeout_s": max(300, args.jobs / 200), "workers": args.conveyor_workers,
           "bin": args.bin}
    tag = "%s_%%s_%d" % (system.replace("-", "_"), rep)
    burn = run_once(system, "burn", cfg, tag % "burn", pg, redis, run_dir)
    latency = run_once(system, "latency", cfg, tag % "latency", pg, redis, run_dir)
    return [dict(burn["enqueue"], workload="enqueue"), dict(burn["burn"], workload="burn-down"),
            dict(latency, workload="latency")]


def main():
    args = parse_args()
    check_node(args.systems)
    if any(s.startswith("conveyor-") for s in args.systems) and not os.access(args.bin, os.X_OK):
        sys.exit("bench/peers: no conveyor binary at %s (make build-server, or --bin)" % args.bin)
    os.makedirs(args.out, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix=time.strftime("run-%Y%m%d-%H%M%S-"), dir=args.out)
    print("bench/peers: %d jobs, %d repetition(s), latency %.0f jobs/s for %.1f s; "
          "logs in %s" % (args.jobs, args.reps, args.rate, args.latency_s, run_dir), flush=True)
    pg = Postgres() if any(s != "bullmq" and s != "conveyor-sqlite" for s in args.systems) else None
    redis = Redis() if "bullmq" in args.systems else None
    records = []
    started = time.monotonic()
    try:
        for rep in range(args.reps):
            order = args.systems[rep % len(args.systems):] + args.systems[:rep % len(args.systems)]
            for system in order:
                for r in run_system(system, rep, args, pg, redis, run_dir):
                    r.update(system=system, rep=rep + 1)
                    records.append(r)
                    print("  " + peers_report.one_line(r), flush=True)
    finally:
        if redis:
            redis.close()
        if pg:
            pg.close()
    peers_report.print_tables(records, args)
    peers_report.write_files(records, args, run_dir)
    print("\nraw figures: %s/results.json, results.csv (%.0f s in all)" % (
        run_dir, time.monotonic() - started))


if __name__ == "__main__":
    sys.exit(main())
