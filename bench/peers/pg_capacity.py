"""What one PostgreSQL spends per job as Conveyor nodes are added: the measurements behind
docs/scaling.md (`make bench-capacity`).

For 1, 2, 3 … nodes: a throwaway PostgreSQL 15 (fsync on, as tests/e2e/pg_server.py starts it),
JOBS noop jobs inserted through POST /jobs/batch by a --workers 0 server, then burned down by N
`conveyor serve --workers 2` nodes on the same database (timed until no job is left
unfinished, as bench/peers times Conveyor). Around each burn-down it reads, from PostgreSQL
itself and from /proc:

- the database server's CPU (postmaster and every child, the reaped ones included) per job;
- WAL bytes per job (pg_current_wal_lsn before and after) and the WAL rate in MB/s;
- commits per job (pg_stat_database.xact_commit);
- the connections the nodes hold (pg_stat_activity, at the end of the burn-down);
- the most dead tuples jobs had during the run (pg_stat_user_tables, sampled every 0.5 s) and
  how many autovacuum and autoanalyze runs it took.

Prints one table; --json writes the raw figures. Timings vary run to run on a shared VM: read
the per-job figures (CPU, WAL, commits), which hold steadier than jobs/s.
"""

import argparse
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
sys.path.insert(0, HERE)

from pg_server import psql  # noqa: E402
import peers_conveyor as pc  # noqa: E402
from peers_infra import Postgres  # noqa: E402


def scalar(url, sql):
    return psql(url, sql).strip()


class DeadTupleSampler(threading.Thread):
    """The largest n_dead_tup of jobs seen while the burn-down runs."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                v = int(scalar(self.url, "SELECT n_dead_tup FROM pg_stat_user_tables"
                                         " WHERE relname = 'jobs'") or 0)
                self.peak = max(self.peak, v)
            except Exception:  # noqa: BLE001 (a sample missed is not a failure)
                pass
            self.stop.wait(0.5)


def measure(binary, pg, nodes, jobs, workers, run_dir):
    db = "capacity%d" % nodes
    url = pg.fresh_database(db)
    loader = pc.Server(binary, url, 0, run_dir, db + "-insert")
    try:
        pc.insert_all(loader, jobs, 1000, 4)
    finally:
        loader.stop()
    lsn0 = scalar(url, "SELECT pg_current_wal_lsn()")
    commits0 = int(scalar(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = '%s'" % db))
    cpu0 = pg.cpu_us()
    sampler = DeadTupleSampler(url)
    sampler.start()
    t0 = time.monotonic()
    servers = [pc.Server(binary, url, workers, run_dir, "%s-n%d" % (db, i)) for i in range(nodes)]
    try:
        pc.wait_all_succeeded(servers[0], jobs, max(300, jobs / 200))
        seconds = time.monotonic() - t0
        cpu = pg.cpu_us() - cpu0
        node_cpu = sum(s.cpu_us() for s in servers)
        conns = int(scalar(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
                                " AND application_name <> 'psql'" % db))
    finally:
        for s in servers:
            s.stop()
        sampler.stop.set()
        sampler.join()
    wal = int(scalar(url, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')" % lsn0))
    # The stats collector reports commits with up to half a second of delay.
    time.sleep(1)
    commits = int(scalar(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = '%s'"
                              % db)) - commits0
    vac = scalar(url, "SELECT autovacuum_count || ' ' || autoanalyze_count FROM"
                      " pg_stat_user_tables WHERE relname = 'jobs'").split()
    return {"nodes": nodes, "workers_per_node": workers, "jobs": jobs, "seconds": seconds,
            "jobs_per_s": jobs / seconds, "db_cpu_us_per_job": cpu / jobs,
            "node_cpu_us_per_job": node_cpu / jobs, "wal_bytes_per_job": wal / jobs,
            "wal_mb_per_s": wal / seconds / 1e6, "commits_per_job": commits / jobs,
            "connections": conns, "connections_per_node": conns / nodes,
            "dead_tuples_peak": sampler.peak, "autovacuums": int(vac[0]),
            "autoanalyzes": int(vac[1])}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="the conveyor binary")
    p.add_argument("--jobs", type=int, default=100000)
    p.add_argument("--nodes", default="1,2,3", help="node counts, comma-separated")
    p.add_argument("--workers", type=int, default=2, help="--workers of each node")
    p.add_argument("--json", help="also write the figures here")
    args = p.parse_args()
    rows = []
    pg = Postgres()
    try:
        run_dir = os.path.join(pg.server.dir, "runs")
        os.makedirs(run_dir, exist_ok=True)
        for n in (int(x) for x in args.nodes.split(",")):
            rows.append(measure(args.bin, pg, n, args.jobs, args.workers, run_dir))
            print("measured %d node(s): %.0f jobs/s" % (n, rows[-1]["jobs_per_s"]), flush=True)
    finally:
        pg.close()
    head = ("nodes", "jobs/s", "PG CPU-us/job", "nodes CPU-us/job", "WAL B/job", "WAL MB/s",
            "commits/job", "connections", "dead tuples peak", "autovacuum/analyze")
    print("\n| " + " | ".join(head) + " |\n|" + " --- |" * len(head))
    for r in rows:
        print("| %d | %s | %.0f | %.0f | %.0f | %.1f | %.4f | %d (%.0f per node) | %s | %d / %d |" % (
            r["nodes"], format(round(r["jobs_per_s"]), ","), r["db_cpu_us_per_job"],
            r["node_cpu_us_per_job"], r["wal_bytes_per_job"], r["wal_mb_per_s"],
            r["commits_per_job"], r["connections"], r["connections_per_node"],
            format(r["dead_tuples_peak"], ","), r["autovacuums"], r["autoanalyzes"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
