"""A throwaway PostgreSQL server for tests (Python standard library only).

As a library (e2e tests):

    from pg_server import PgServer, shared_url, create_database
    with PgServer() as pg:                # initdb in a temp dir, free port, pg_ctl -w start
        url = pg.create_database("e2e")   # postgresql://postgres@127.0.0.1:PORT/e2e
        pg.stop(); pg.start()             # same cluster, same port (outage tests)
    # leaving the block: pg_ctl stop -m immediate, temp dir removed

    url = create_database("mytest")       # a database on the shared server (below)

shared_url() names the server a test run shares, first match wins: $CONVEYOR_TEST_PG_URL; the
URL in the file $CONVEYOR_TEST_PG_URL_FILE (CTest's `pg` fixture writes it); else a PgServer
started on first use and stopped when the interpreter exits.

As a command (the CTest fixture that gives the whole ctest run one server):

    python3 pg_server.py start DIR   # starts a server (data in a temp dir), writes DIR/url
    python3 pg_server.py stop DIR    # stops it and removes its temp dir

The server listens on 127.0.0.1 only (unix socket in its temp dir), trusts local connections and
keeps fsync on. As root, initdb/pg_ctl run as the `postgres` user. Binaries: $CONVEYOR_PG_BIN,
else the newest /usr/lib/postgresql/*/bin, else PATH.
"""

import atexit
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading


def bin_dir():
    if os.environ.get("CONVEYOR_PG_BIN"):
        return os.environ["CONVEYOR_PG_BIN"]
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(d + "/pg_ctl")]
    found.sort(key=lambda d: int(re.sub(r"\D", "", d.split("/")[-2]) or 0))
    return found[-1] if found else ""


def _tool(name):
    path = os.path.join(bin_dir(), name) if bin_dir() else name
    return ["runuser", "-u", "postgres", "--", path] if os.geteuid() == 0 else [path]


def _run(cmd, what):
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s\n%s" % (what, done.returncode, " ".join(cmd),
                                                        done.stdout))
    return done.stdout


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_with_database(url, db):
    """`url` with its database part replaced by `db` (query parameters kept)."""
    m = re.match(r"^([a-z]+://[^/?]*)(/[^?]*)?(\?.*)?$", url)
    if not m:
        raise ValueError("not a postgres URL: " + url)
    return m.group(1) + "/" + db + (m.group(3) or "")


class PgServer:
    """One PostgreSQL cluster in a directory of its own."""

    def __init__(self, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix="conveyor-pg-")
        os.makedirs(self.dir, exist_ok=True)
        self.port = None
        self.running = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.destroy()

    def _ctl(self, *args):
        return _tool("pg_ctl") + ["-D", os.path.join(self.dir, "data")] + list(args)

    def start(self):
        """initdb on first use, then pg_ctl -w start (same port on a restart)."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        if not os.path.exists(os.path.join(self.dir, "data", "PG_VERSION")):
            # --no-sync only skips flushing initdb's own files; the server keeps fsync on.
            _run(_tool("initdb") + ["-D", os.path.join(self.dir, "data"), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync",
                                    "--no-instructions"], "initdb")
        if self.port is None:
            self.port = _free_port()
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300" % (
            self.port, self.dir)
        _run(self._ctl("-w", "-t", "60", "-l", os.path.join(self.dir, "server.log"),
                       "-o", opts, "start"), "pg_ctl start")
        self.running = True
        return self

    def stop(self):
        """pg_ctl stop -m fast; the data stays for start()."""
        if self.running:
            _run(self._ctl("stop", "-m", "fast"), "pg_ctl stop")
            self.running = False

    def destroy(self):
        """Stops the server without a shutdown checkpoint and deletes its data."""
        try:
            if self.running:
                _run(self._ctl("stop", "-m", "immediate"), "pg_ctl stop")
                self.running = False
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db="postgres"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, db)

    def create_database(self, name):
        """CREATE DATABASE name (if missing); returns its URL."""
        return create_database(name, base_url=self.url())


def psql(url, sql):
    """Runs one SQL statement with psql; returns its output."""
    return _run(_tool("psql")[-1:] + ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                                      "-d", url, "-c", sql], "psql")


_shared_lock = threading.Lock()
_shared = {}


def shared_url():
    """The base URL (database postgres) of the server this test run shares."""
    with _shared_lock:
        if "url" in _shared:
            return _shared["url"]
        url = os.environ.get("CONVEYOR_TEST_PG_URL", "")
        path = os.environ.get("CONVEYOR_TEST_PG_URL_FILE", "")
        if not url and path and os.path.exists(path):
            with open(path) as f:
                url = f.read().strip()
        if not url:
            server = PgServer().start()
            atexit.register(server.destroy)
            url = server.url()
        _shared["url"] = url
        return url


def create_database(name, base_url=None):
    """CREATE DATABASE name on the shared (or given) server if missing; returns its URL."""
    if not re.match(r"^[a-z_][a-z0-9_]*$", name):
        raise ValueError("database names here are plain identifiers: " + name)
    base = base_url or shared_url()
    exists = psql(base, "SELECT 1 FROM pg_database WHERE datname = '%s'" % name).strip()
    if exists != "1":
        try:
            psql(base, "CREATE DATABASE " + name)
        except RuntimeError as e:  # a concurrent creator won the race: fine
            if "already exists" not in str(e):
                raise
    return url_with_database(base, name)


def drop_database(name, base_url=None):
    psql(base_url or shared_url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def main(argv):
    """start STATE_DIR: a server in a temp dir; STATE_DIR/url names it, STATE_DIR/datadir says
    where it lives (for stop). stop STATE_DIR: stops it and removes its temp dir."""
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        sys.stderr.write("usage: pg_server.py start|stop STATE_DIR\n")
        return 2
    state = os.path.abspath(argv[2])
    os.makedirs(state, exist_ok=True)
    datadir_file = os.path.join(state, "datadir")
    if os.path.exists(datadir_file):  # a previous run that was not stopped, or stop itself
        with open(datadir_file) as f:
            old = PgServer(f.read().strip())
        old.running = os.path.exists(os.path.join(old.dir, "data", "postmaster.pid"))
        old.destroy()
        os.remove(datadir_file)
    for name in ("url",):
        if os.path.exists(os.path.join(state, name)):
            os.remove(os.path.join(state, name))
    if argv[1] == "stop":
        return 0
    server = PgServer().start()
    with open(datadir_file, "w") as f:
        f.write(server.dir + "\n")
    with open(os.path.join(state, "url"), "w") as f:
        f.write(server.url() + "\n")
    print(server.url())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
