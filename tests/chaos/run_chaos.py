#!/usr/bin/env python3
"""The chaos suite: for each fault and store, N rounds of submit + process load on loopback against
real `conveyor serve` + `conveyor worker` processes, the fault injected mid-load, then a checker
(chaos_check.py) proving nothing acknowledged was lost or run twice unexplained, and that the
server answered 503/507 (never 500) while it could not write. Prints a summary table; exits
non-zero when a round failed (or, without --short, when a fault could not be run here).

  run_chaos.py [--rounds N] [--store sqlite|postgres|both] [--short] [--faults a,b]

The binary is $CONVEYOR_BIN (else build/conveyor). Python standard library only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from chaos_check import RunningSampler, check_round  # noqa: E402
from chaos_faults import FAKETIME_CACHE_S, FAULTS, Skipped, libfaketime  # noqa: E402
from chaos_load import CountingReceiver, Load  # noqa: E402
from chaos_nodes import Node  # noqa: E402
from pg_server import PgServer  # noqa: E402  (tests/e2e, on the path via chaos_nodes)

LEASE_S = 2
RESCUE_MS = 300
STUCK_SLACK_S = 3.0  # scheduling noise on a shared 2-core machine


class Cluster:
    """A fresh store (SQLite file, on a small tmpfs when we can mount one, or a PostgreSQL
    database) with one serve node and one worker node, for all rounds of one fault."""

    def __init__(self, store_kind, fault, pg, run_ms):
        self.tmp = tempfile.mkdtemp(prefix="conveyor-chaos-")
        self.lease_s, self.rescue_s = LEASE_S, RESCUE_MS / 1000.0
        self.pg = pg
        self.tmpfs = False
        self.db_dir = os.path.join(self.tmp, "db")
        os.makedirs(self.db_dir)
        if store_kind == "sqlite":
            if fault == "disk-full":
                self.tmpfs = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs",
                                             self.db_dir], capture_output=True).returncode == 0
            store = "sqlite:" + os.path.join(self.db_dir, "conveyor.db")
        else:
            store = pg.create_database("chaos_" + fault.replace("-", "_"))
        self.faketime_file = None
        serve_env = {}
        if fault == "clock-step" and libfaketime():
            self.faketime_file = os.path.join(self.tmp, "faketime")
            with open(self.faketime_file, "w") as f:
                f.write("+0\n")
            serve_env = {"LD_PRELOAD": libfaketime(), "FAKETIME_TIMESTAMP_FILE": self.faketime_file,
                         "FAKETIME_CACHE_DURATION": str(FAKETIME_CACHE_S),
                         "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        flags = ["--workers", "2", "--lease-s", str(LEASE_S), "--rescue-interval-ms",
                 str(RESCUE_MS), "--retry-base-ms", "100", "--retry-cap-ms", "500",
                 "--webhook-retry-backoff-base", "0.05", "--webhook-retry-backoff-cap", "1",
                 "--webhook-timeout", "5"]
        self.serve = Node("serve", store, self.tmp, "serve", flags, serve_env)
        self.worker = Node("worker", store, self.tmp, "worker", flags)
        self.receiver = CountingReceiver()
        self.serve.start()
        self.worker.start()
        self.load = Load(self.serve.port, self.receiver, run_ms=run_ms)

    def close(self, keep):
        for node in (self.serve, self.worker):
            node.stop()
        self.receiver.close()
        if self.tmpfs:
            subprocess.run(["umount", "-l", self.db_dir], capture_output=True)
        if keep:
            print("  kept " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def run_round(c, inject, rnd, timing):
    """One round: load, fault, load, stop, check. Returns (counts, failures)."""
    c.load = Load(c.serve.port, c.receiver, run_ms=c.load.run_ms)
    c.receiver.drop_webhooks = False
    sampler = RunningSampler(c.serve.port, LEASE_S + RESCUE_MS / 1000.0 + STUCK_SLACK_S)
    c.load.start()
    time.sleep(timing["warmup"])
    try:
        fault = inject(c, rnd)
    except Skipped:
        c.load.stop()
        sampler.stop()
        raise
    sampler.healed_at = fault.healed_at
    time.sleep(timing["after"])
    c.load.stop()
    check_started = time.monotonic()
    counts, failures = check_round(c.serve.port, c.load, c.receiver, fault.reruns_possible,
                                   time.monotonic() + timing["settle"])
    sampler.stop()
    failures += fault.failures
    if fault.must_rerun and not counts["rerun"]:
        failures.append("no job was run again after the fault: it did not bite")
    failures += ["job %s stuck RUNNING on attempt %s" % k for k in sorted(sampler.stuck)]
    codes = dict(c.load.codes)
    if codes.get(500):
        failures.append("the API answered 500 %d times: %s" % (
            codes[500], [x[2] for x in c.load.five_xx if x[1] == 500][:2]))
    if c.receiver.drop_webhooks and not sum(c.receiver.dropped.values()):
        failures.append("the receiver dropped no delivery: the fault did not bite")
    first = c.load.first_ack_after(fault.healed_at)
    counts.update(codes={k: v for k, v in codes.items() if k >= 500}, no_answer=c.load.no_answer,
                  recovery=None if first is None else first - fault.healed_at,
                  notes=fault.notes + ["checked in %.1f s (%s)" % (
                      time.monotonic() - check_started, counts.pop("phases"))])
    for node in (c.serve, c.worker):
        if not node.running():
            failures.append("%s exited by itself; log tail:\n%s" % (node.name, node.log_tail()))
    return counts, failures


def run_fault(name, store_kind, rounds, pg, timing, keep):
    inject, _, run_ms = FAULTS[name]
    row = {"fault": name, "store": store_kind, "rounds": 0, "acked": 0, "lost": 0,
           "dup_explained": 0, "dup_unexplained": 0, "codes": {}, "no_answer": 0,
           "recovery": 0.0, "result": "PASS", "failures": [], "started": time.monotonic()}
    c = Cluster(store_kind, name, pg, run_ms)
    try:
        for rnd in range(rounds):
            counts, failures = run_round(c, inject, rnd, timing)
            row["rounds"] += 1
            for k in ("acked", "lost", "dup_explained", "dup_unexplained", "no_answer"):
                row[k] += counts[k]
            for code, n in counts["codes"].items():
                row["codes"][code] = row["codes"].get(code, 0) + n
            if counts["recovery"] is not None:
                row["recovery"] = max(row["recovery"], counts["recovery"])
            print("  %s/%s round %d/%d: %d acked, %d run more than once, %s; %s" % (
                name, store_kind, rnd + 1, rounds, counts["acked"], counts["rerun"],
                "; ".join(counts["notes"]), "ok" if not failures else "FAILED"), flush=True)
            for f in failures[:10]:
                print("    " + f)
            if failures:
                row["result"] = "FAIL"
                row["failures"] += failures
    except Skipped as e:
        row["result"] = str(e)
    finally:
        c.close(keep or row["result"] == "FAIL")
    row["seconds"] = time.monotonic() - row["started"]
    return row


def print_table(rows):
    head = ("fault", "store", "rounds", "acked", "lost", "dup expl", "dup unexpl", "5xx by code",
            "no answer", "recovery s", "time s", "result")
    lines = [head]
    for r in rows:
        codes = ",".join("%d:%d" % (k, v) for k, v in sorted(r["codes"].items())) or "-"
        lines.append((r["fault"], r["store"], str(r["rounds"]), str(r["acked"]), str(r["lost"]),
                      str(r["dup_explained"]), str(r["dup_unexplained"]), codes,
                      str(r["no_answer"]), "%.2f" % r["recovery"], "%.0f" % r["seconds"],
                      r["result"]))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--short", action="store_true",
                    help="1 round per fault, shorter load; with --store both, each fault on one "
                         "store (SQLite where it applies)")
    ap.add_argument("--faults", default=",".join(FAULTS), help="comma-separated subset")
    ap.add_argument("--keep", action="store_true", help="keep every temp dir and log")
    args = ap.parse_args()
    rounds = 1 if args.short else args.rounds
    timing = ({"warmup": 0.8, "after": 1.0, "settle": 40} if args.short else
              {"warmup": 1.5, "after": 2.0, "settle": 60})
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    plan = [(s, f) for s in stores for f in args.faults.split(",") if s in FAULTS[f][1]]
    if args.short and args.store == "both":
        # The CI budget: each fault once, on SQLite where it applies, else on PostgreSQL.
        plan = [(s, f) for s, f in plan if s == "sqlite" or "sqlite" not in FAULTS[f][1]]
    started = time.monotonic()
    print("chaos: %d round(s) per fault, stores %s, lease %d s, rescue every %d ms"
          % (rounds, "+".join(stores), LEASE_S, RESCUE_MS), flush=True)
    rows = []
    pg = PgServer().start() if any(s == "postgres" for s, _ in plan) else None
    try:
        for store_kind, name in plan:
            rows.append(run_fault(name, store_kind, rounds, pg, timing, args.keep))
    finally:
        if pg:
            pg.destroy()
    print("\nchaos summary (N = %d round(s) per fault):" % rounds)
    print_table(rows)
    print("total time %.0f s" % (time.monotonic() - started))
    failed = [r for r in rows if r["result"] == "FAIL"]
    skipped = [r for r in rows if r["result"].startswith("SKIPPED")]
    if failed or (skipped and not args.short):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
