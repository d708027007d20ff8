"""What the seed-client e2e tests share (test_seed_00N_client.py, test_seeds.py, test_dialects.py).

- `requests`: a tiny stand-in for the `requests` package the seeds' clients use (post/get/delete
  with `json=`, `headers=`, `params=`; `.status_code`, `.headers`, `.text`, `.json()`), written
  with urllib only, so the seeds' Python snippets read as they do in their READMEs.
- `Curl`: runs a seed's curl command line with the real `curl` binary, only the port (and
  placeholders such as <job_id>) substituted.
- `SmtpSink`: a minimal SMTP server on 127.0.0.1:0 (standard library only: smtpd is gone from
  Python 3.12 and aiosmtpd is not installed) that records messages and can refuse recipients
  with a temporary 451, so `send_email` jobs run and fail for real.
- `poll`: the seeds' polling loops, bounded in count and time.
- `SeedClientTestCase`: a ServerTestCase that also fails on a 5xx seen by `requests`.

Standard library only; nothing here talks to anything but 127.0.0.1.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import types
import unittest
import urllib.error
import urllib.parse
import urllib.request

from conveyor_harness import ServerTestCase, slow

# Every 5xx other than 503 that `requests` below received: SeedClientTestCase fails on them.
SERVER_ERRORS = []

# ---- a requests-like client ----


class Response:
    """The subset of requests.Response the seeds' clients read."""

    def __init__(self, status_code, headers, raw, url):
        self.status_code = status_code
        self.headers = headers  # case-insensitive .get()
        self.content = raw
        self.text = raw.decode("utf-8", "replace")
        self.url = url

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return f"<{self.status_code} {self.url}: {self.text[:600]}>"


def _request(method, url, json=None, headers=None, params=None, timeout=15.0):
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    hdrs = dict(headers or {})
    data = None
    if json is not None:
        data = _json_dumps(json).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with _OPENER.open(req, timeout=timeout * slow()) as r:
            resp = Response(r.status, r.headers, r.read(), url)
    except urllib.error.HTTPError as e:  # a 4xx/5xx is an answer, as with requests
        resp = Response(e.code, e.headers, e.read(), url)
    if resp.status_code >= 500 and resp.status_code != 503:
        SERVER_ERRORS.append(f"{method} {url} -> {resp.status_code}")
    return resp


# Loopback only: no http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _json_dumps(value):
    # _request's `json=` argument (named as in requests) hides the module there.
    return json.dumps(value)


requests = types.SimpleNamespace(
    post=lambda url, **kw: _request("POST", url, **kw),
    get=lambda url, **kw: _request("GET", url, **kw),
    delete=lambda url, **kw: _request("DELETE", url, **kw),
)


def poll(fetch, done, timeout=30.0, pause=0.1, words=None):
    """The seeds' `while not done(r): sleep; r = fetch()` loop, bounded: returns (last, seen)
    where seen lists every answer's body in order. Fails the calling test on timeout, and at
    once when `words` is given and an answer's "status" is not one of them (the seed's client
    would wait forever for a word it knows)."""
    deadline = time.monotonic() + timeout * slow()
    seen = []
    for _ in range(100000):
        r = fetch()
        seen.append(r)
        if words is not None and r.get("status") not in words:
            raise AssertionError(f"status {r.get('status')!r} is not a word of this seed's "
                                 f"client {tuple(words)}: {r}")
        if done(r):
            return r, seen
        if time.monotonic() > deadline:
            break
        time.sleep(pause)
    raise AssertionError(f"not done after {timeout}s; last answers: {seen[-3:]}")


def raw_number(text, member):
    """The literal text of `member`'s first numeric value in a JSON document (e.g. "14.0")."""
    m = re.search(r'"%s"\s*:\s*(-?[0-9][0-9.eE+-]*)' % re.escape(member), text)
    return m.group(1) if m else None


class SeedClientTestCase(ServerTestCase):
    """A ServerTestCase whose tests talk like a seed's client: `self.url(path)` is the class
    server's address + path, `self.curl` runs seed command lines, and a 5xx answer to `requests`
    fails the test as a 5xx to the harness's own requests does."""

    def setUp(self):
        super().setUp()
        self._errors_mark = len(SERVER_ERRORS)
        self.curl = Curl(self, self.server.port) if self.server else None

    def tearDown(self):
        super().tearDown()
        errors = SERVER_ERRORS[self._errors_mark:]
        if errors:
            self.fail(f"the server answered 5xx (never allowed here): {errors[:10]}")

    def url(self, path, server=None):
        return (server or self.server).base_url + path


# ---- curl ----

# The seeds' lines name localhost; a proxy from the environment must not see them.
_NO_PROXY_ENV = dict(os.environ, no_proxy="localhost,127.0.0.1", NO_PROXY="localhost,127.0.0.1")


class Curl:
    """Runs seed command lines with `curl`; `port` replaces 8000 (and 3001, seed 003's port)."""

    def __init__(self, test, port):
        if shutil.which("curl") is None:
            raise unittest.SkipTest("curl is not installed: the seed examples need it")
        self.test, self.port = test, port

    def command(self, command, **placeholders):
        cmd = command.replace("localhost:8000", f"localhost:{self.port}")
        cmd = cmd.replace("localhost:3001", f"localhost:{self.port}")
        for name, value in placeholders.items():
            cmd = cmd.replace(f"<{name}>", value)
        return cmd

    def text(self, command, extra="", **placeholders):
        """What the command prints (curl -s, plus `extra` options)."""
        cmd = self.command(command, **placeholders)
        p = subprocess.run(["bash", "-c", f"{cmd} -s {extra}"], capture_output=True,
                           timeout=30 * slow(), env=_NO_PROXY_ENV)
        self.test.assertEqual(p.returncode, 0, f"`{cmd}` failed: {p.stderr.decode()[-500:]}")
        return p.stdout.decode()

    def run(self, command, **placeholders):
        """Returns (http_status, body as JSON or text). -w appends the status on its own line."""
        out, _, code = self.text(command, "-w '\\n%{http_code}'", **placeholders).rpartition("\n")
        try:
            return int(code), json.loads(out)
        except ValueError:
            return int(code), out

    def json(self, command, **placeholders):
        """The command's JSON answer (any status)."""
        status, body = self.run(command, **placeholders)
        self.test.assertIsInstance(body, (dict, list), f"`{command}` did not print JSON: {body!r}")
        return body


# ---- an SMTP sink ----


# The SMTP server: Debian's python3-aiosmtpd run by /usr/bin/python3 as a child process (the
# interpreter running the tests may not have it), as tests/outbound/test_smtp_server.h does for
# the C++ tests. One JSON line per event goes to a file the parent reads.
_SMTP_SCRIPT = r"""
import asyncio, json, sys
from aiosmtpd.smtp import SMTP

out, refuse = sys.argv[1], set(json.loads(sys.argv[2]))

def record(event):
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps(event) + "\n")

class Recorder:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in refuse:
            record({"refused": address})
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        record({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                "data": envelope.original_content.decode("utf-8", "replace")})
        return "250 2.0.0 queued"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Recorder(), hostname="sink.test"), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


class SmtpSink:
    """A real SMTP server on 127.0.0.1:<port> (aiosmtpd): accepts every message except to
    recipients in `refuse`, which get `451 4.3.0` (a temporary refusal: the sender retries).
    received() gives {"from", "to": [...], "data"} per accepted message; `refused` lists the
    refused recipients, one per refusal. Close with close()."""

    def __init__(self, refuse=()):
        self.dir = tempfile.mkdtemp(prefix="conveyor-smtp-")
        self.log = os.path.join(self.dir, "events.jsonl")
        script = os.path.join(self.dir, "smtp.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(_SMTP_SCRIPT)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", script, self.log, json.dumps([a.lower() for a in refuse])],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError("the aiosmtpd server did not start (is python3-aiosmtpd installed?)")
        self.port = int(line)
        self.url = f"smtp://127.0.0.1:{self.port}"

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _events(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.endswith("\n")]
        except FileNotFoundError:
            return []

    def received(self):
        return [e for e in self._events() if "refused" not in e]

    @property
    def refused(self):
        return [e["refused"] for e in self._events() if "refused" in e]


def _address(cmd):
    m = re.search(r"<([^>]*)>", cmd)
    return m.group(1) if m else cmd.split(":", 1)[-1].strip()
