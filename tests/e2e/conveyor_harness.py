"""Harness for Conveyor's end-to-end tests: runs the real `conveyor` binary and talks HTTP to it.

Only Python's standard library is used. The binary comes from $CONVEYOR_BIN (CTest sets it).
Every wait is bounded so that no test can hang. Loads scale with $CONVEYOR_E2E_SCALE (default
1.0; use e.g. 0.3 under sanitizers) and time budgets stretch with $CONVEYOR_E2E_SLOW (default 1).
"""

import email.message
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED")
ALL_STATES = ("SCHEDULED", "PENDING", "RUNNING", "SUCCEEDED", "RETRYING", "FAILED",
              "CANCELLED", "EXPIRED", "BLOCKED")
PROBLEM_TYPE_PREFIX = "https://conveyor.dev/problems/"


class ServerError(Exception):
    pass


_SANITIZED = None


def sanitized_binary():
    """True when the binary under test is an ASan/TSan build (it links libasan/libtsan)."""
    global _SANITIZED
    if _SANITIZED is None:
        _SANITIZED = False
        path = os.environ.get("CONVEYOR_BIN")
        if path and os.path.exists(path):
            try:
                out = subprocess.run(["ldd", path], capture_output=True, timeout=10).stdout
                _SANITIZED = b"libasan" in out or b"libtsan" in out
            except (OSError, subprocess.SubprocessError):
                pass
    return _SANITIZED


def scale():
    """Load multiplier from CONVEYOR_E2E_SCALE (default 1, or 0.3 for a sanitizer build)."""
    try:
        s = float(os.environ["CONVEYOR_E2E_SCALE"])
    except (KeyError, ValueError):
        s = 0.3 if sanitized_binary() else 1.0
    return min(max(s, 0.05), 4.0)


def scaled(n, minimum=1):
    return max(minimum, int(round(n * scale())))


def slow():
    """Multiplier for time budgets: CONVEYOR_E2E_SLOW, else 1/scale (sanitizer builds run
    several times slower and are run with a small scale)."""
    try:
        s = float(os.environ.get("CONVEYOR_E2E_SLOW", "0"))
    except ValueError:
        s = 0.0
    if s <= 0:
        s = 1.0 / scale()
    return min(max(s, 1.0), 10.0)


def binary():
    """The binary under test. A CONVEYOR_BIN that does not exist is an error, not a skip."""
    path = os.environ.get("CONVEYOR_BIN")
    if path:
        if not os.access(path, os.X_OK):
            raise ServerError(f"CONVEYOR_BIN={path} is not an executable file")
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in ("build/conveyor", "build-e2e/conveyor"):
        p = os.path.abspath(os.path.join(here, "..", "..", cand))
        if os.access(p, os.X_OK):
            return p
    raise unittest.SkipTest("CONVEYOR_BIN is not set and no build/conveyor exists: build the "
                            "`conveyor` target and set CONVEYOR_BIN to its path")


def is_uuid(s):
    try:
        return isinstance(s, str) and str(uuid.UUID(s)) == s.lower() and len(s) == 36
    except ValueError:
        return False


class Response:
    """One HTTP answer. Unpacks as (status, headers, body)."""

    def __init__(self, status, headers, raw, method, path):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive .get()
        self.raw = raw
        self.method = method
        self.path = path
        self.content_type = headers.get("Content-Type", "") if headers is not None else ""
        self.body = raw.decode("utf-8", "replace")
        if "json" in self.content_type.lower() and raw:
            try:
                self.body = json.loads(raw)
            except ValueError:
                pass  # left as text; a test asserting JSON will say so

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        text = self.raw[:600].decode("utf-8", "replace")
        return f"{self.method} {self.path} -> {self.status} [{self.content_type}] {text}"


class Server:
    """A `conveyor serve` process on 127.0.0.1:0 with its own temp dir and SQLite file (or the
    database `store` names, e.g. a PostgreSQL URL shared by several Servers).

    restart() / start() after stop() or kill9() reuse the same database.
    """

    def __init__(self, workers=2, extra=(), env=None, tmpdir=None, start=True, store=None):
        self.bin = binary()
        self.own_tmp = tmpdir is None
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="conveyor-e2e-")
        self.db = os.path.join(self.tmpdir, "conveyor.db")
        self.store = store or ("sqlite:" + self.db)
        self.port_file = os.path.join(self.tmpdir, "port")
        self.log_path = os.path.join(self.tmpdir, "server.log")
        self.workers = workers
        self.extra = list(extra)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.stopped_on_purpose = False
        self.port = None
        self.generation = 0
        self.status_log = []  # (method, path, status) of every answer, for "never a 500" checks
        self.api_key = None  # sent as a Bearer key by request() (use_admin_key makes one)
        self._lock = threading.Lock()
        self._log_file = None
        if start:
            self.start()

    # ---- lifecycle ----

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return [self.bin, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                "--store", self.store, "--workers", str(self.workers)] + self.extra

    def start(self, timeout=20.0):
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.generation += 1
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n===== start #{self.generation}: {' '.join(self.command())}\n"
                             .encode())
        self._log_file.flush()
        self.stopped_on_purpose = False
        self.proc = subprocess.Popen(self.command(), stdout=self._log_file,
                                     stderr=subprocess.STDOUT, env=self.env,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout * slow()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"conveyor serve exited with {self.proc.returncode} before "
                                  f"listening; log tail:\n{self.log_tail()}")
            port = self._read_port()
            if port:
                self.port = port
                self._wait_health(deadline)
                return self
            time.sleep(0.02)
        self.kill9()
        raise ServerError(f"conveyor serve did not write {self.port_file} within {timeout}s; "
                          f"log tail:\n{self.log_tail()}")

    def _read_port(self):
        try:
            with open(self.port_file) as f:
                text = f.read().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() and 0 < int(text) < 65536 else None

    def _wait_health(self, deadline):
        last = None
        while time.monotonic() < deadline:
            try:
                r = self.request("GET", "/health", timeout=2)
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            time.sleep(0.02)
        raise ServerError(f"/health never answered 200 (last: {last!r}); log tail:\n"
                          f"{self.log_tail()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM, wait (bounded), SIGKILL as a fallback. Returns the exit code."""
        if self.proc is None:
            return None
        self.stopped_on_purpose = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout * slow())
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self._note("SIGTERM did not stop the server in time: SIGKILLed")
        return self._finish()

    def kill9(self):
        if self.proc is None:
            return None
        self.stopped_on_purpose = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        return self._finish()

    def restart(self):
        if self.running():
            self.stop()
        return self.start()

    def _finish(self):
        code = self.proc.returncode
        self._note(f"exited with {code}")
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return code

    def close(self):
        """Stops the server and removes the temp dir (kept when KEEP_E2E_TMP is set)."""
        try:
            self.kill9() if self.running() else None
        finally:
            if self.own_tmp and not os.environ.get("KEEP_E2E_TMP"):
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _note(self, line):
        try:
            with open(self.log_path, "ab") as f:
                f.write(f"===== harness: {line}\n".encode())
        except OSError:
            pass

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()[-64 * 1024:]
        except OSError:
            return "(no server log)"
        return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])

    # ---- HTTP ----

    def request(self, method, path, body=None, headers=None, timeout=15.0):
        """One request on a fresh connection. body: dict/list → JSON, str/bytes → as is."""
        hdrs = dict(headers or {})
        if self.api_key and not any(k.lower() == "authorization" for k in hdrs):
            hdrs["Authorization"] = f"Bearer {self.api_key}"
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            if not any(k.lower() == "content-type" for k in hdrs):
                hdrs["Content-Type"] = "application/json"
        elif isinstance(body, str):
            data = body.encode()
        self.check_alive()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * slow())
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            r = Response(resp.status, resp.headers, raw, method, path)
        finally:
            conn.close()
        with self._lock:
            self.status_log.append((method, path, r.status))
        return r

    def use_admin_key(self, name="e2e-admin"):
        """Makes an admin API key in this server's store (`conveyor keys create`, beside the
        running server) and sends it with every request from now on; waits until it works."""
        made = subprocess.run([self.bin, "keys", "create", "--store", self.store, "--name", name,
                               "--scopes", "admin"], capture_output=True, text=True,
                              timeout=30 * slow())
        if made.returncode != 0:
            raise ServerError(f"conveyor keys create failed: {made.stderr}")
        self.api_key = made.stdout.strip()
        self.wait_until(lambda: self.request("GET", "/api/v1/keys").status == 200, 10,
                        "the new admin key to be accepted")
        return self.api_key

    def check_alive(self):
        """Raises a clear error when the process died behind our back (crash, not kill9)."""
        if self.proc is not None and self.proc.poll() is not None and \
                not self.stopped_on_purpose:
            code = self.proc.returncode
            sig = f" (signal {-code})" if code < 0 else ""
            raise ServerError(f"the conveyor server died with exit code {code}{sig}; "
                              f"log tail:\n{self.log_tail(15)}")

    def raw(self, data, read_timeout=10.0, shutdown_write=False):
        """Sends raw bytes on a fresh socket and parses whatever answer comes back.

        Tolerates the server closing while we still send (it may answer 413 early). Returns a
        Response, or None when the connection closed without any answer.
        """
        self.check_alive()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout * slow())
        try:
            try:
                sock.sendall(data)
                if shutdown_write:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # keep reading: the answer may already be on its way
            chunks = []
            try:
                while True:
                    c = sock.recv(65536)
                    if not c:
                        break
                    chunks.append(c)
                    if _complete_response(b"".join(chunks)):
                        break
            except OSError:
                pass
        finally:
            sock.close()
        r = parse_raw_response(b"".join(chunks), "RAW", data[:60].decode("latin-1"))
        if r is not None:
            with self._lock:
                self.status_log.append(("RAW", r.path, r.status))
        return r

    def server_errors(self, since=0):
        """Answers with a 5xx other than 503 (which the contract allows when the store is down)."""
        with self._lock:
            return [e for e in self.status_log[since:] if e[2] >= 500 and e[2] != 503]

    def get_job(self, job_id):
        # The harness reads Conveyor's own vocabulary whatever a job was submitted in (seed
        # clients' tests read their dialect with their own requests).
        return self.request("GET", f"/api/v1/jobs/{job_id}", headers={"Conveyor-Dialect": "succeeded"})

    def submit(self, spec, headers=None, path="/api/v1/jobs"):
        return self.request("POST", path, spec, headers)

    def wait_for(self, job_id, states, timeout=20.0, fail_on_other_terminal=True):
        """Polls the job until its status is in `states`; returns the job JSON.

        Raises AssertionError (with the last job seen) on timeout, or at once when the job
        reached a terminal state not in `states`.
        """
        if isinstance(states, str):
            states = (states,)
        deadline = time.monotonic() + timeout * slow()
        last = None
        delay = 0.02
        while True:
            r = self.get_job(job_id)
            if r.status != 200:
                raise AssertionError(f"GET job {job_id} while waiting for {states}: {r!r}")
            last = r.body
            st = last.get("status")
            if st in states:
                return last
            if fail_on_other_terminal and st in TERMINAL:
                raise AssertionError(f"job {job_id} ended {st}, expected one of {states}: "
                                     f"{json.dumps(last)[:1500]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} not in {states} after {timeout}s; last: "
                                     f"{json.dumps(last)[:1500]}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def settled_log(self):
        """The server's log once every line logged before this call is in the file: the log
        writer writes info lines within 50 ms (src/observability/log.cc), so read after 0.25 s.
        For checks that something is NOT logged; to wait for a line, use wait_until."""
        time.sleep(0.25 * slow())
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_until(self, predicate, timeout, what):
        """Calls predicate() until truthy (returns its value) or fails after timeout."""
        deadline = time.monotonic() + timeout * slow()
        last_exc = None
        while time.monotonic() < deadline:
            try:
                v = predicate()
                if v:
                    return v
            except (OSError, http.client.HTTPException) as e:
                last_exc = e
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                             + (f" (last error {last_exc!r})" if last_exc else ""))

    def events(self, job_id):
        r = self.request("GET", f"/api/v1/jobs/{job_id}/events")
        if r.status != 200 or not isinstance(r.body, dict):
            raise AssertionError(f"events of {job_id}: {r!r}")
        return r.body.get("events")


class ServerTestCase(unittest.TestCase):
    """Base for e2e tests: MustX helpers, log tail on failure, never-a-500 check.

    Subclasses set SERVER_ARGS (dict of Server kwargs) to get one shared server per class in
    self.server / cls.server; tests that need their own servers call self.new_server().
    """

    SERVER_ARGS = None
    server = None

    @classmethod
    def setUpClass(cls):
        cls._class_servers = []
        if cls.SERVER_ARGS is not None:
            cls.server = Server(**cls.SERVER_ARGS)
            cls._class_servers.append(cls.server)

    @classmethod
    def tearDownClass(cls):
        for s in cls._class_servers:
            s.stop()
            s.close()

    def setUp(self):
        self._servers = []
        self._marks = {id(self.server): len(self.server.status_log)} if self.server else {}

    def new_server(self, **kwargs):
        s = Server(**kwargs)
        self._servers.append(s)
        self.addCleanup(s.close)
        return s

    def tearDown(self):
        servers = list(self._servers) + ([self.server] if self.server else [])
        died = [s for s in servers if s.proc is not None and s.proc.poll() is not None
                and not s.stopped_on_purpose]
        if self._failed() or died:
            for s in servers:
                sys.stderr.write(f"\n----- server log tail ({s.log_path}) -----\n"
                                 f"{s.log_tail()}\n----- end of log -----\n")
        if died:
            s = died[0]
            self.fail(f"the server died during the test (exit code {s.proc.returncode}, "
                      f"signal {-s.proc.returncode if s.proc.returncode < 0 else 'none'}); "
                      f"log tail:\n{s.log_tail(30)}")
        for s in servers:
            errs = s.server_errors(self._marks.get(id(s), 0))
            if errs:
                self.fail(f"the server answered 5xx (never allowed for these requests): "
                          f"{errs[:10]}\nlog tail:\n{s.log_tail(30)}")

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        for test, _ in list(result.failures) + list(result.errors):
            if test is self:
                return True
        return False

    def cancel_at_end(self, server, job_id):
        """Makes sure a long job does not outlive its test (even a failed one)."""
        def cancel():
            try:
                if server.running():
                    server.request("DELETE", f"/api/v1/jobs/{job_id}", timeout=5)
            except (OSError, http.client.HTTPException, ServerError):
                pass
        self.addCleanup(cancel)

    # ---- MustX helpers ----

    def must_status(self, resp, *codes):
        if resp.status not in codes:
            self.fail(f"expected HTTP {' or '.join(map(str, codes))}, got {resp!r}")
        return resp

    def must_json(self, resp, *codes):
        self.must_status(resp, *codes)
        if not isinstance(resp.body, (dict, list)):
            self.fail(f"expected a JSON body, got {resp!r}")
        ct = resp.content_type.lower()
        if "json" not in ct:
            self.fail(f"expected a JSON content type, got {ct!r} in {resp!r}")
        return resp.body

    def must_submit(self, server, spec, headers=None, path="/api/v1/jobs"):
        """Submits and returns the job JSON, checking 201 and the basic job shape."""
        job = self.must_json(server.submit(spec, headers, path), 201)
        self.must_job(job)
        self.assertIs(job.get("is_new"), True, f"new job must say is_new true: {job}")
        return job

    def must_job(self, job):
        for key in ("id", "job_id", "type", "queue", "status", "priority", "attempt",
                    "max_attempts", "payload", "result", "error", "created_at", "updated_at"):
            self.assertIn(key, job, f"job JSON lacks {key!r}: {job}")
        self.assertTrue(is_uuid(job["id"]), f"job id is not a UUID: {job['id']!r}")
        self.assertEqual(job["id"], job["job_id"], "job_id must equal id")
        self.assertIn(job["status"], ALL_STATES, f"unknown status in {job}")
        for secret in ("lease", "lease_token", "token"):
            self.assertNotIn(secret, job, f"the lease token must never be shown: {job}")
        return job

    def must_problem(self, resp, status, path=None, detail_contains=None):
        """Checks an RFC 9457 problem: content type, fields, a sentence in detail."""
        self.must_status(resp, status)
        ct = resp.content_type.lower()
        self.assertTrue(ct.startswith("application/problem+json"),
                        f"error must be application/problem+json, got {ct!r}: {resp!r}")
        p = resp.body
        self.assertIsInstance(p, dict, f"problem body is not a JSON object: {resp!r}")
        for key in ("type", "title", "status", "detail"):
            self.assertIn(key, p, f"problem lacks {key!r}: {resp!r}")
        self.assertTrue(str(p["type"]).startswith(PROBLEM_TYPE_PREFIX),
                        f"problem type must start with {PROBLEM_TYPE_PREFIX}: {resp!r}")
        self.assertEqual(p["status"], status, f"problem status differs from HTTP: {resp!r}")
        self.assertIsInstance(p["title"], str)
        self.assertTrue(p["title"].strip(), f"empty title: {resp!r}")
        d = p["detail"]
        self.assertIsInstance(d, str, f"detail must be a string: {resp!r}")
        self.assertGreaterEqual(len(d.split()), 3,
                                f"detail must be a sentence a person can act on: {resp!r}")
        if path is not None:
            self.assertEqual(p.get("instance"), path.split("?")[0],
                             f"instance must be the request path: {resp!r}")
        if detail_contains:
            for frag in ([detail_contains] if isinstance(detail_contains, str)
                         else detail_contains):
                self.assertIn(frag.lower(), d.lower(),
                              f"detail should mention {frag!r}: {resp!r}")
        return p


class PostgresServerTestCase(ServerTestCase):
    """A ServerTestCase with one throwaway PostgreSQL per class (pg_server.PgServer) as cls.pg;
    tests make databases on it with cls.pg.create_database(name)."""

    @classmethod
    def setUpClass(cls):
        import pg_server  # only the PostgreSQL tests need it
        super().setUpClass()
        cls.pg = pg_server.PgServer().start()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pg.destroy()


def _split_head(buf):
    i = buf.find(b"\r\n\r\n")
    return (buf[:i], buf[i + 4:]) if i >= 0 else (None, None)


def _complete_response(buf):
    head, body = _split_head(buf)
    if head is None:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            try:
                return len(body) >= int(v.strip())
            except ValueError:
                return False
    return False  # no length: read until close


def parse_raw_response(buf, method, path):
    """Parses one HTTP/1.1 response from raw bytes; None when there is none."""
    head, body = _split_head(buf)
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    msg = email.message.Message()
    length = None
    for line in lines[1:]:
        k, _, v = line.partition(":")
        msg[k.strip()] = v.strip()
        if k.strip().lower() == "content-length" and v.strip().isdigit():
            length = int(v.strip())
    if length is not None:
        body = body[:length]
    return Response(int(parts[1]), msg, body, method, path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HealthProber:
    """While an attack runs: GET /health every 0.1 s on a fresh connection, on its own thread
    (started at once, bounded to `max_s`). Every answer must be a 200 within `bound_s` (scaled
    by slow()); `failures` lists the others, `answered` counts the good ones. A context manager,
    or call stop(), which returns `failures`. check(test) asserts both."""

    def __init__(self, server, bound_s=5.0, max_s=600.0):
        self.server, self.bound_s, self.max_s = server, bound_s * slow(), max_s
        self.failures, self.answered = [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        deadline = time.monotonic() + self.max_s
        while not self._stop.is_set() and time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                status = self.server.request("GET", "/health", timeout=self.bound_s).status
            except Exception as e:  # noqa: BLE001 - a timeout is exactly what this looks for
                status = repr(e)
            took = time.monotonic() - t0
            if status != 200 or took > self.bound_s:
                self.failures.append(f"/health: {status} after {took:.1f}s")
            else:
                self.answered += 1
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=self.bound_s + 10)
        return self.failures

    def check(self, test):
        self.stop()
        test.assertEqual(self.failures, [], "the server did not answer /health in time meanwhile")
        test.assertGreater(self.answered, 0, "no /health probe ran during the attack")
