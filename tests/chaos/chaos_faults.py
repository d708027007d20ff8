"""The faults of the chaos suite. Each takes the running Cluster and the round number, breaks
something while the load runs, heals it, and returns a Fault record:

  healed_at        monotonic time the fault ended (the stuck bound and recovery count from it)
  reruns_possible  whether a job may legitimately run twice (a run was interrupted)
  must_rerun       the fault must have made some job run again elsewhere (else it did not bite)
  notes            what was done, for the report
  failures         what the fault itself found wrong (e.g. a full disk never answered 507)
"""

import ctypes.util
import glob
import os
import signal
import time
from dataclasses import dataclass, field

from chaos_nodes import kill9_postmaster, start_pg


@dataclass
class Fault:
    healed_at: float
    reruns_possible: bool
    must_rerun: bool = False
    notes: list = field(default_factory=list)
    failures: list = field(default_factory=list)


class Skipped(Exception):
    """The fault cannot be run here; the message says why."""


def kill9_node(c, rnd):
    # Alternate: even rounds the API node (serve), odd rounds the worker node.
    node = c.serve if rnd % 2 == 0 else c.worker
    node.kill9()
    time.sleep(0.5)
    node.start()
    return Fault(time.monotonic(), True, notes=["kill -9 " + node.name])


def pg_stop_start(c, rnd):
    c.pg.stop()
    time.sleep(2.0)
    start_pg(c.pg)
    return Fault(time.monotonic(), True, notes=["pg_ctl stop -m fast, 2 s down, start"])


def pg_kill9(c, rnd):
    kill9_postmaster(c.pg)
    time.sleep(1.0)
    start_pg(c.pg)
    return Fault(time.monotonic(), True, notes=["kill -9 postmaster, restart"])


def webhook_drops(c, rnd):
    # The receiver drops every delivery's first attempts for the whole round (set by the
    # cluster); here we only make sure some were dropped by the end of the load.
    c.receiver.drop_webhooks = True
    return Fault(time.monotonic(), False, notes=["receiver cuts deliveries mid-body"])


def disk_full(c, rnd):
    if not c.tmpfs:
        raise Skipped("SKIPPED: cannot mount (not root?)")
    filler = os.path.join(c.db_dir, "filler")
    _fill(filler)
    # Hold the disk full until the API has answered a submit with 507 (bounded).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not c.load.codes.get(507):
        time.sleep(0.1)
    time.sleep(0.5)
    os.unlink(filler)
    f = Fault(time.monotonic(), True, notes=["tmpfs filled, freed"])
    if not c.load.codes.get(507):
        f.failures.append("no submit was answered 507 while the disk was full")
    return f


def _fill(path):
    chunk = b"x" * (1 << 16)
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass  # ENOSPC: full, as intended


def libfaketime():
    """Path of libfaketime's thread-safe build (Debian `faketime`), or None."""
    found = glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")
    return found[0] if found else ctypes.util.find_library("faketime")


CLOCK_STEP_S = 10
FAKETIME_CACHE_S = 1  # libfaketime re-reads the file at most this often (FAKETIME_CACHE_DURATION)


def clock_step(c, rnd):
    # The serve node runs under libfaketime, which re-reads c.faketime_file (an offset in
    # seconds) every FAKETIME_CACHE_S: its wall clock steps forward CLOCK_STEP_S, runs there a
    # while, then steps back (the monotonic clock untouched, as with a real NTP step).
    if not c.faketime_file:
        raise Skipped("SKIPPED: libfaketime not installed (apt-get install faketime)")
    _write(c.faketime_file, "+%d" % CLOCK_STEP_S)
    time.sleep(1.5 + FAKETIME_CACHE_S)
    _write(c.faketime_file, "+0")
    time.sleep(FAKETIME_CACHE_S)
    return Fault(time.monotonic(), True,
                 notes=["serve clock +%d s for %.1f s, then back" % (CLOCK_STEP_S,
                                                                     1.5 + FAKETIME_CACHE_S)])


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def sigstop_worker(c, rnd):
    # Past its lease: the other node's rescuer must take the stopped node's jobs and run them;
    # after SIGCONT the stopped node's late completes must be refused by the lease token.
    c.worker.signal(signal.SIGSTOP)
    stopped_at = time.monotonic()
    time.sleep(c.lease_s + c.rescue_s + 1.5)
    c.worker.signal(signal.SIGCONT)
    return Fault(stopped_at, True, must_rerun=True,
                 notes=["SIGSTOP worker %.1f s, SIGCONT" % (time.monotonic() - stopped_at)])


# name -> (function, stores it applies to, load's per-job run time in ms)
FAULTS = {
    "kill9-node": (kill9_node, ("sqlite", "postgres"), 100),
    "pg-stop-start": (pg_stop_start, ("postgres",), 0),
    "pg-kill9": (pg_kill9, ("postgres",), 0),
    "webhook-drops": (webhook_drops, ("sqlite", "postgres"), 0),
    "disk-full": (disk_full, ("sqlite",), 0),
    "clock-step": (clock_step, ("sqlite", "postgres"), 100),
    "sigstop-worker": (sigstop_worker, ("sqlite", "postgres"), 400),
}
