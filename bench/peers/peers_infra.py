"""What every bench/peers system runs on: one throwaway PostgreSQL, one Redis, CPU clocks.

PostgreSQL is tests/e2e/pg_server.py's PgServer (initdb in a temp dir, a free port, fsync and
synchronous_commit at their defaults, initdb/pg_ctl as `postgres` when root); every system run gets
a database of its own. Redis is Debian's redis-server on a free port without persistence
(--save '' --appendonly no), flushed before every run.

CPU is read from /proc/<pid>/stat (utime + stime, in clock ticks: 10 ms at the usual 100 Hz).
A PostgreSQL cluster's CPU is the postmaster's own and its reaped children's (cutime + cstime)
plus every live child's, so a backend that exits during a phase is still counted.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "e2e"))
import pg_server  # noqa: E402  (the tests' throwaway PostgreSQL, shared on purpose)

TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """Fields 3.. of /proc/<pid>/stat (the name in parentheses may hold spaces)."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()


def process_cpu_us(pid, with_children=False):
    """utime + stime of `pid` (and of its reaped children), in µs; 0 once it is gone."""
    try:
        f = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # proc(5) numbers from 1; f[0] is field 3, so utime (14) is f[11], cstime (17) is f[14].
    ticks = int(f[11]) + int(f[12])
    if with_children:
        ticks += int(f[13]) + int(f[14])
    return ticks * TICK_US


def _children(parent):
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if int(_stat_fields(int(name))[1]) == parent:
                out.append(int(name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # exited while we looked: its CPU is in the parent's cutime now
    return out


class Postgres:
    """One PostgreSQL 15 cluster for the whole run; a fresh database per system run."""

    def __init__(self):
        self.server = pg_server.PgServer()
        self.server.start()

    def fresh_database(self, name):
        pg_server.psql(self.server.url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        return self.server.create_database(name)

    def drop_database(self, name):
        pg_server.psql(self.server.url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)

    def _postmaster(self):
        with open(os.path.join(self.server.dir, "data", "postmaster.pid")) as f:
            return int(f.readline())

    def cpu_us(self):
        pm = self._postmaster()
        return process_cpu_us(pm, with_children=True) + sum(
            process_cpu_us(c) for c in _children(pm))

    def close(self):
        self.server.destroy()


class Redis:
    """redis-server on a free port, no RDB snapshots, no AOF."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="conveyor-peers-redis-")
        self.port = pg_server._free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.command("PING") == b"+PONG\r\n":
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start (log: %s/log)" % self.dir)
            time.sleep(0.05)

    def command(self, *words):
        """One command in RESP; returns the raw first reply (enough for PING and FLUSHALL)."""
        msg = b"*%d\r\n" % len(words) + b"".join(
            b"$%d\r\n%s\r\n" % (len(w), w.encode()) for w in words)
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(msg)
            return s.recv(4096)

    def flush(self):
        if self.command("FLUSHALL") != b"+OK\r\n":
            raise RuntimeError("redis FLUSHALL failed")

    def cpu_us(self):
        return process_cpu_us(self.proc.pid)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
