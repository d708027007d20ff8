#!/usr/bin/python3
"""The soak (issue 14; `make soak`, not in CI): `conveyor serve` under steady submit + process
load for SOAK_MINUTES with retention on and short ages, so pruning runs throughout.

Every 10 s it samples the server's RSS and open files (/proc/PID/status, /proc/PID/fd), the
database's size (SQLite: the file plus its -wal; PostgreSQL: pg_total_relation_size and n_dead_tup
of every table), the jobs kept, the backlog, and the p99 of that window's submit requests. It
writes soak.csv and rss.png, db_size.png, latency_p99.png, open_files.png (soak_plot.py) into
--out, and prints a verdict per curve: flat after warm-up when the last third's max is at most
1.1 x the middle third's max (the first third is warm-up). Exit 0 when RSS, database size and
open files are all flat, 1 when one grows, 2 when the run itself failed.

The load: --rate jobs/s in batches of --batch (POST /api/v1/jobs/batch), from --threads
connections, each paced on its own clock. The mix, by job: noop 45 %, square_sum 25 %, sleep
10-50 ms 10 %, fail without retry 10 % (FAILED), fail once then succeed 5 % (one retry),
sleep 0.5 s cancelled right after submit 5 % (CANCELLED). Standard library only but the plots
(gnuplot); run with /usr/bin/python3.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak_load import Load  # noqa: E402
from soak_plot import plot  # noqa: E402
from soak_probe import Probe, RETENTION_FLAGS  # noqa: E402

SERIES = ["rss_mb", "open_files", "db_mb"]  # the curves the verdict is about


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="the conveyor binary")
    p.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--minutes", type=float,
                   default=float(os.environ.get("SOAK_MINUTES", "30")))
    p.add_argument("--rate", type=float, default=500, help="jobs submitted per second")
    p.add_argument("--batch", type=int, default=10, help="jobs per submit request")
    p.add_argument("--threads", type=int, default=4, help="submitting connections")
    p.add_argument("--workers", type=int, default=16,
                   help="the server's worker threads (the sleep jobs wait, not compute)")
    p.add_argument("--interval", type=float, default=10, help="seconds between samples")
    p.add_argument("--out", default="docs/soak", help="folder for soak.csv and the PNGs")
    p.add_argument("--log-level", default="warn",
                   help="the server's (info logs every transition: GBs in 30 minutes)")
    p.add_argument("--retain-succeeded", default="30s")
    p.add_argument("--retain-failed", default="60s")
    p.add_argument("--retain-cancelled", default="60s")
    p.add_argument("--no-retention", action="store_true",
                   help="run without the retention flags (proves the harness only: the "
                        "database then grows and the verdict says so)")
    return p.parse_args(argv)


def retention_args(args, help_text):
    """The server's retention flags, or exit 2 naming the first one it does not know."""
    if args.no_retention:
        return []
    values = {"--retain-succeeded": args.retain_succeeded, "--retain-failed": args.retain_failed,
              "--retain-cancelled": args.retain_cancelled}
    for flag in RETENTION_FLAGS:
        if flag not in help_text:
            print(f"soak: {args.bin} does not know {flag} (`conveyor serve --help` lists no "
                  f"retention flags): build a binary with retention, or pass --no-retention "
                  f"to prove the harness only", file=sys.stderr)
            sys.exit(2)
    return [a for flag in RETENTION_FLAGS for a in (flag, values[flag])]


def verdict(rows, column):
    """(flat, middle max, last max) by the rule: last third's max <= 1.1 x middle third's."""
    values = [r[column] for r in rows if r[column] is not None]
    third = len(values) // 3
    if third == 0:
        return None, None, None
    middle, last = max(values[third:2 * third]), max(values[2 * third:])
    return last <= 1.1 * middle, middle, last


def report(rows, out_dir):
    print(f"\nsoak: {len(rows)} samples; CSV and plots in {out_dir}")
    all_flat = True
    for column in SERIES + ["p99_ms"]:
        flat, middle, last = verdict(rows, column)
        if flat is None:
            print(f"  {column:11s} too few samples for a verdict (need 3)")
            all_flat = all_flat and column not in SERIES
            continue
        word = "flat" if flat else "GROWS"
        note = "" if column in SERIES else " (reported, not judged)"
        print(f"  {column:11s} {word:5s} middle third max {middle:.1f}, last third max "
              f"{last:.1f} (limit {1.1 * middle:.1f}){note}")
        if column in SERIES:
            all_flat = all_flat and flat
    print("soak: verdict:", "FLAT after warm-up" if all_flat else "NOT FLAT")
    return all_flat


def main(argv):
    args = parse_args(argv)
    if shutil.which("gnuplot") is None:
        print("soak: gnuplot is missing (`make soak` installs gnuplot-nox)", file=sys.stderr)
        sys.exit(2)
    help_text = Probe.serve_help(args.bin)
    flags = retention_args(args, help_text)
    work = tempfile.mkdtemp(prefix="conveyor-soak-")
    server_flags = flags + ["--workers", str(args.workers), "--log-level", args.log_level]
    probe = Probe(args.bin, args.store, work, server_flags)
    rows, load = [], None
    try:
        base = probe.start()
        print(f"soak: {args.store} store, {args.minutes:g} min at {args.rate:g} jobs/s "
              f"(batches of {args.batch}), retention {' '.join(flags) or 'OFF'}; "
              f"server log {probe.log_path}", flush=True)
        load = Load(base, args.rate, args.batch, args.threads)
        load.start()
        rows = sample_until(probe, load, args)
        load.stop()
    except Exception as e:  # the run failed: say so, keep what was sampled
        print(f"soak: FAILED: {e}", file=sys.stderr)
        return 2
    finally:
        probe.stop()
        if rows:
            os.makedirs(args.out, exist_ok=True)
            plot(rows, args.out)
        shutil.rmtree(work, ignore_errors=True)
    if load is not None and load.errors:
        print(f"soak: {load.errors} submit requests failed; first: {load.first_error}")
    return 0 if report(rows, args.out) and not (load and load.errors) else 1


def sample_until(probe, load, args):
    start = time.monotonic()
    end = start + args.minutes * 60
    rows, next_at = [], start + args.interval
    while next_at <= end + 1e-6:
        time.sleep(max(0.0, next_at - time.monotonic()))
        row = {"t_s": round(time.monotonic() - start, 1)}
        row.update(probe.sample())
        row.update(load.window(args.interval))
        rows.append(row)
        print("  " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        next_at += args.interval
    return rows


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(sys.argv[1:]))
