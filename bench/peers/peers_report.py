"""bench/peers' tables and files: one table per workload with the same-run ratios.

A ratio is Conveyor's figure against the best peer's, written so that above 1 means Conveyor
ahead: jobs/s over jobs/s for enqueue and burn-down, the peer's p50 over Conveyor's for latency.
Each system's figure is the mean of its repetitions.
"""

import csv
import json
import os

PEERS = ["graphile-worker", "pg-boss", "bullmq"]
PG_PEERS = ["graphile-worker", "pg-boss"]
CONVEYORS = ["conveyor-sqlite", "conveyor-postgres"]
TITLES = {
    "enqueue": "bulk enqueue (batches of {batch:,}, {inflight} in flight)",
    "burn-down": "burn-down of {jobs:,} pre-inserted no-op jobs by one worker process",
    "latency": "add→start latency at {rate:.0f} jobs/s for {latency_s:.1f} s",
}


def rate(r):
    return r["jobs"] / r["seconds"]


def percentile(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))] / 1000.0  # µs → ms


def cpu_per_job(r):
    return r["cpu_process_us"] / r["jobs"], r["cpu_db_us"] / r["jobs"]


def one_line(r):
    p, d = cpu_per_job(r)
    what = ("p50 %.1f ms, p99 %.1f ms" % (percentile(r["samples_us"], .5),
                                          percentile(r["samples_us"], .99))
            if r["workload"] == "latency" else "%.0f jobs/s" % rate(r))
    return "%-17s rep %d  %-9s %s; CPU %.0f + %.0f µs/job" % (
        r["system"], r["rep"], r["workload"], what, p, d)


def _mean(values):
    return sum(values) / len(values)


def _figure(rows, workload):
    """The figure a ratio compares (higher is better)."""
    if workload == "latency":
        return 1.0 / max(_mean([percentile(r["samples_us"], .5) for r in rows]), 1e-3)
    return _mean([rate(r) for r in rows])


def _ratio(mine, rows_by_system, peers, workload):
    best = [(_figure(rows_by_system[p], workload), p) for p in peers if p in rows_by_system]
    if not best or mine not in rows_by_system:
        return ""
    top, name = max(best)
    return "%.2f× %s" % (_figure(rows_by_system[mine], workload) / top, name)


def _table(records, workload, args):
    by = {}
    for r in records:
        if r["workload"] == workload:
            by.setdefault(r["system"], []).append(r)
    print("\n## " + TITLES[workload].format(**vars(args)) + "\n")
    head = ("p50 ms / p99 ms (each rep)" if workload == "latency" else "jobs/s (each rep)")
    print("| system | %s | CPU-µs/job process + db = sum | vs best peer | vs best PG peer |"
          % head)
    print("| --- | --- | --- | --- | --- |")
    for system, rows in by.items():
        if workload == "latency":
            fig = "  ".join("%.1f / %.1f" % (percentile(r["samples_us"], .5),
                                             percentile(r["samples_us"], .99)) for r in rows)
        else:
            fig = "  ".join("{:,.0f}".format(rate(r)) for r in rows)
        p = _mean([cpu_per_job(r)[0] for r in rows])
        d = _mean([cpu_per_job(r)[1] for r in rows])
        vs_all = _ratio(system, by, PEERS, workload) if system in CONVEYORS else ""
        vs_pg = _ratio(system, by, PG_PEERS, workload) if system == "conveyor-postgres" else ""
        print("| %s | %s | %.0f + %.0f = %.0f | %s | %s |" % (system, fig, p, d, p + d, vs_all,
                                                              vs_pg))


def print_tables(records, args):
    for workload in ("burn-down", "enqueue", "latency"):
        _table(records, workload, args)
    print("\nvs: Conveyor's figure over the best peer's (> 1: Conveyor ahead); latency compares "
          "p50. CPU is read in 10 ms ticks from /proc: small runs are coarse.")


def write_files(records, args, out):
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"settings": {k: v for k, v in vars(args).items()}, "records": records}, f,
                  indent=1)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "system", "rep", "jobs", "seconds", "jobs_per_s",
                    "cpu_process_us_per_job", "cpu_db_us_per_job", "p50_ms", "p99_ms"])
        for r in records:
            p, d = cpu_per_job(r)
            lat = r["workload"] == "latency"
            w.writerow([r["workload"], r["system"], r["rep"], r["jobs"], "%.3f" % r["seconds"],
                        "%.0f" % rate(r), "%.1f" % p, "%.1f" % d,
                        "%.2f" % percentile(r["samples_us"], .5) if lat else "",
                        "%.2f" % percentile(r["samples_us"], .99) if lat else ""])
