"""The soaked server and what the soak samples of it (soak.py): the process's RSS and open files,
the database's size, and the store's job counts from /metrics."""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import pg_server  # noqa: E402

RETENTION_FLAGS = ["--retain-succeeded", "--retain-failed", "--retain-cancelled"]
METRIC_LINE = re.compile(r'^(\w+)(?:\{([^}]*)\})? (\S+)$')
# Every table of the store: their size with indexes and TOAST, and their dead tuples.
PG_SIZE_SQL = ("SELECT coalesce(sum(pg_total_relation_size(relid)), 0), "
               "coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables")


class Probe:
    def __init__(self, binary, store, work_dir, server_flags):
        self.binary, self.store, self.work = binary, store, work_dir
        self.flags = server_flags
        self.log_path = os.path.join(work_dir, "server.log")
        self.db_path = os.path.join(work_dir, "soak.db")
        self.pg, self.pg_url, self.server, self.base = None, None, None, None

    @staticmethod
    def serve_help(binary):
        return subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                              timeout=30, check=True).stdout

    def start(self):
        """Starts PostgreSQL if asked, then the server; returns its base URL."""
        if self.store == "postgres":
            self.pg = pg_server.PgServer().start()  # its own temp dir, owned by postgres
            self.pg_url = self.pg.create_database("soak")
            store = self.pg_url
        else:
            store = "sqlite:" + self.db_path
        port_file = os.path.join(self.work, "port")
        argv = [self.binary, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                "--store", store, "--data-dir", self.work] + self.flags
        self.log = open(self.log_path, "wb")
        self.server = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file):
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.tail()}")
            time.sleep(0.05)
        with open(port_file, encoding="ascii") as f:
            self.base = f"http://127.0.0.1:{int(f.read())}"
        return self.base

    def sample(self):
        if self.server.poll() is not None:
            raise RuntimeError(f"the server exited ({self.server.returncode}): {self.tail()}")
        row = {"rss_mb": round(self.rss_kb() / 1024, 1), "open_files": self.open_files()}
        row.update(self.db_size())
        row.update(self.job_counts())
        return row

    def rss_kb(self):
        with open(f"/proc/{self.server.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc/PID/status")

    def open_files(self):
        return len(os.listdir(f"/proc/{self.server.pid}/fd"))

    def db_size(self):
        if self.pg is None:
            size = sum(os.path.getsize(p) for p in (self.db_path, self.db_path + "-wal")
                       if os.path.exists(p))
            return {"db_mb": round(size / 2**20, 2), "dead_tuples": None}
        size, dead = pg_server.psql(self.pg_url, PG_SIZE_SQL).strip().split("|")
        return {"db_mb": round(int(size) / 2**20, 2), "dead_tuples": int(dead)}

    def job_counts(self):
        """Jobs kept in the store (every state) and waiting to run, as /metrics counts them."""
        with urllib.request.urlopen(self.base + "/metrics", timeout=30) as response:
            text = response.read().decode()
        kept = waiting = 0
        for line in text.splitlines():
            m = METRIC_LINE.match(line)
            if m and m.group(1) == "conveyor_jobs":
                kept += int(float(m.group(3)))
            elif m and m.group(1) == "conveyor_queue_depth":
                waiting += int(float(m.group(3)))
        return {"jobs_kept": kept, "waiting": waiting}

    def tail(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def stop(self):
        """SIGTERM and wait (a clean stop checkpoints SQLite), then PostgreSQL."""
        try:
            if self.server is not None and self.server.poll() is None:
                self.server.send_signal(signal.SIGTERM)
                try:
                    self.server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.server.kill()
                    self.server.wait()
        finally:
            if self.server is not None:
                self.log.close()
            if self.pg is not None:
                self.pg.destroy()
