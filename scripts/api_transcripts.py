#!/usr/bin/env python3
"""Regenerates the HTTP transcripts of docs/api.md from a real `conveyor serve`.

Usage: scripts/api_transcripts.py [--bin build/conveyor] [--doc docs/api.md] [--out FILE]
(`make docs-transcripts` runs it against build/conveyor and rewrites docs/api.md in place.)

It starts `conveyor serve` (a SQLite file in a temporary directory, 2 workers, 127.0.0.1 port 0),
replays every request block of the page in document order, and rewrites the response block that
follows each one with the real answer. Standard library only.

The page's format, as this script reads it:
- A request block is a ```http fence whose first line is `METHOD /path HTTP/1.1`, then headers,
  a blank line and the body. `Host` and `Content-Length` are added when absent. A header value
  written `hhhh… (20000 characters)` is sent as 20000 `h`; a body ending in `…` is sent padded
  to its `Content-Length` with its last character.
- The response block is the ```http fence right after it (only blank lines between). It is
  replaced by the status line, every header the server sent, and the body: JSON re-indented
  for reading (a container that fits on one line of 100 columns is written on one line; the
  top-level object too when it holds no containers), anything else as sent.
- `localhost:8000` in a request is the live server's address; in an answer the live address is
  shown as `localhost:8000` (so seed 000's webhook_url to itself reads as the seed writes it).
- Ids: an id (UUID or 32-hex token) in the ORIGINAL page is mapped to the live one found in the
  same place of the corresponding live answer (the same JSON path, or the Location header), the
  first time it appears there; later requests have every mapped id substituted, and the page
  is written back with the live ids everywhere (requests, directives, prose), so it stays
  consistent for the next run. Ids never returned by any answer (e.g. the 404 example's) are
  sent and kept as written.
- Setup the page does not show comes from HTML comments just before a block:
      <!-- transcript: DIRECTIVE -->   or   <!-- transcript
      DIRECTIVE
      DIRECTIVE
      -->
  Directives (ids are the page's ids; JSON on one line):
      serve --flag value ...    extra `conveyor serve` flags (anywhere in the page; a flag that
                                `serve --help` does not list is dropped with a note)
      input NAME "text"         writes "text" (a JSON string) to <inputs>/NAME; {inputs} in a
                                submit body is the absolute path of that directory
      submit ID [PATH] {json}   POST PATH (default /api/v1/jobs) with that body; ID maps to the
                                new job
      wait ID STATE[,STATE]     polls the job (Conveyor's names) until it is in one of the states
      lease ID TOKEN            leases that job (POST /leases, its type); TOKEN maps to the token
      repeat                    before a response block that has no request: resend the last one
      metrics NAME ...          before a ```text block: rewrite it with those metric families
                                from GET /metrics, `…` between them
      delivered ID              waits until the job's webhook deliveries are all `delivered`
      webhook ID                before a plain ``` block: rewrite it with the last webhook
                                request the script's receiver got for that job (body as sent)
  {receiver} in a submit body is the address of the script's webhook receiver: under /flaky/
  it answers 500 to the first request for each path and 200 after, elsewhere 200 at once.
      skip                      leave the next block (and its answer) as written
Exits non-zero when a request cannot be replayed (the server is not left running).
"""

import argparse
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ID_RE = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$")
UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/1\.[01]$")
ELIDED_HEADER = re.compile(r"^(.)\1*… \((\d+) characters\)$")
DIRECTIVE_OPEN = "<!-- transcript"
WIDTH = 100
# The server's address as the page (and the seeds' clients) write it; the live one replaces it in
# requests, and it replaces the live one in answers.
PAGE_ADDRESS = "localhost:8000"
TIMEOUT_S = 60.0


class ReplayError(Exception):
    pass


# ---- JSON that keeps numbers exactly as the server wrote them ----

class RawNumber:
    """A JSON number kept as its text, so 6.25E0 or 14.0 are shown as sent."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, RawNumber) and other.text == self.text


def parse_json(text):
    return json.loads(text, parse_float=RawNumber, parse_int=RawNumber,
                      parse_constant=RawNumber)


def one_line(v):
    if isinstance(v, RawNumber):
        return v.text
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {one_line(x)}"
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(one_line(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def pretty(v, indent=0, used=0, expand=False):
    """`used`: columns already taken on this line (indent and key). `expand`: a sibling in the
    same array did not fit, so this one is laid out the same way, for an even column."""
    flat = one_line(v)
    if not isinstance(v, (dict, list)) or not v:
        return flat
    nested = any(isinstance(x, (dict, list)) and x for x in (v.values() if isinstance(v, dict) else v))
    if not expand and used + len(flat) <= WIDTH and (indent > 0 or not nested):
        return flat
    pad = " " * (indent + 2)
    if isinstance(v, dict):
        items = []
        for k, x in v.items():
            key = f"{json.dumps(k, ensure_ascii=False)}: "
            items.append(pad + key + pretty(x, indent + 2, len(pad) + len(key) + 1))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    uneven = any(isinstance(x, (dict, list)) and x and len(pad) + len(one_line(x)) + 1 > WIDTH
                 for x in v)
    items = [pad + pretty(x, indent + 2, len(pad) + 1, uneven) for x in v]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


# ---- the page ----

class Block:
    def __init__(self, start, end, lang, lines, directives):
        self.start, self.end = start, end  # line indexes of the opening and closing fences
        self.lang = lang
        self.lines = lines  # the content between the fences
        self.directives = directives

    @property
    def first(self):
        return self.lines[0] if self.lines else ""

    def is_request(self):
        return self.lang == "http" and REQUEST_LINE.match(self.first) is not None

    def is_response(self):
        return self.lang == "http" and self.first.startswith("HTTP/1.")


def read_directives(lines, i, out):
    """Reads a `<!-- transcript ... -->` comment starting at line i; returns the next line."""
    text = lines[i][len(DIRECTIVE_OPEN):]
    while "-->" not in text:
        i += 1
        if i >= len(lines):
            raise ReplayError("unterminated <!-- transcript comment")
        text += "\n" + lines[i]
    body = text[:text.index("-->")].lstrip(":")
    out.extend(d.strip() for d in body.split("\n") if d.strip())
    return i + 1


def parse_page(lines):
    blocks, pending, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(DIRECTIVE_OPEN):
            i = read_directives(lines, i, pending)
            continue
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            blocks.append(Block(i, j, line[3:].strip(), lines[i + 1:j], pending))
            pending = []
            i = j + 1
            continue
        i += 1
    return blocks


def adjacent(lines, a, b):
    return all(not lines[k].strip() for k in range(a.end + 1, b.start))


# ---- HTTP over a raw socket: the request goes out exactly as the page writes it ----

def expand_request(text, port):
    head, _, body = text.partition("\n\n")
    head_lines = head.split("\n")
    headers = []
    for h in head_lines[1:]:
        if not h.strip():
            continue
        name, _, value = h.partition(":")
        value = value.strip()
        m = ELIDED_HEADER.match(value)
        if m:
            value = m.group(1) * int(m.group(2))
        headers.append((name.strip(), value))
    body = body.rstrip("\n").encode()
    names = {n.lower() for n, _ in headers}
    if body.endswith("…".encode()) and "content-length" in names:
        length = int(next(v for n, v in headers if n.lower() == "content-length"))
        stem = body[:-len("…".encode())]
        body = stem + stem[-1:] * (length - len(stem))
    if "host" not in names:
        headers.insert(0, ("Host", f"127.0.0.1:{port}"))
    if body and "content-length" not in names:
        headers.append(("Content-Length", str(len(body))))
    raw = head_lines[0] + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n"
    return raw.encode(), body


def read_answer(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ReplayError(f"the server closed the connection before answering: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(x.strip() for x in h.split(":", 1)) for h in head_lines[1:]]
    length = int(next((v for n, v in headers if n.lower() == "content-length"), "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head_lines[0], headers, rest[:length]


def exchange(port, head, body):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S) as sock:
        try:
            sock.sendall(head)
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a 413 or 431 closes early; the answer was sent before
        return read_answer(sock)


class Answer:
    def __init__(self, status_line, headers, body):
        self.status_line, self.headers, self.raw = status_line, headers, body
        self.status = int(status_line.split()[1])
        ctype = self.header("content-type") or ""
        self.json = None
        if "json" in ctype and body:
            try:
                self.json = parse_json(body.decode())
            except ValueError:
                pass

    def header(self, name):
        return next((v for n, v in self.headers if n.lower() == name), None)

    def render(self):
        out = [self.status_line] + [f"{n}: {v}" for n, v in self.headers]
        if self.raw:
            out.append("")
            text = pretty(self.json) if self.json is not None else self.raw.decode("utf-8", "replace")
            out.extend(text.split("\n"))
        return out


def plain(v):
    """A RawNumber-free copy, for building requests."""
    return json.loads(one_line(v)) if v is not None else None


# ---- a webhook receiver for the Webhooks section ----

class Receiver:
    """Records every request; /flaky/ paths fail their first request with a 500."""

    HIDDEN = {"host", "accept", "content-length", "connection", "expect", "accept-encoding"}

    def __init__(self):
        self.requests, self.seen, lock = [], set(), threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    first = self.path not in receiver.seen
                    receiver.seen.add(self.path)
                    receiver.requests.append((self.requestline, list(self.headers.items()), body))
                status = 500 if first and self.path.startswith("/flaky/") else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def last_for(self, job_id):
        for line, headers, body in reversed(self.requests):
            if job_id.encode() in body:
                shown = [f"{n}: {v}" for n, v in headers if n.lower() not in self.HIDDEN]
                return [line] + shown + [""] + body.decode().split("\n")
        raise ReplayError(f"the receiver got no webhook for job {job_id}")

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the replay ----

class Replay:
    """Replays the page against `server`: sends requests with the page's ids replaced by the live
    ones, learns new ids from each answer, and runs the setup directives."""

    def __init__(self, server):
        self.server = server
        self.ids = {}  # page id -> live id
        self.types = {}  # page id -> job type, for `lease`
        self.last_request = None
        self.receiver = Receiver()

    def rename(self, text):
        for old, new in self.ids.items():
            text = text.replace(old, new)
        return text

    def substitute(self, text):
        text = self.rename(text)
        text = text.replace(PAGE_ADDRESS, f"127.0.0.1:{self.server.port}")
        text = text.replace("{receiver}", self.receiver.address)
        return text.replace("{inputs}", self.server.inputs)

    def send_text(self, text):
        head, body = expand_request(self.substitute(text), self.server.port)
        return Answer(*exchange(self.server.port, head, body))

    def call(self, method, path, body=None):
        text = f"{method} {path} HTTP/1.1\n"
        if body is not None:
            text += "Content-Type: application/json\n\n" + json.dumps(body)
        answer = self.send_text(text)
        if answer.status >= 300:
            raise ReplayError(f"setup {method} {path} answered {answer.status}: {answer.raw[:300]!r}")
        return plain(answer.json)

    def learn(self, old, new):
        if isinstance(old, dict) and isinstance(new, dict):
            for k in old.keys() & new.keys():
                self.learn(old[k], new[k])
        elif isinstance(old, list) and isinstance(new, list):
            for a, b in zip(old, new):
                self.learn(a, b)
        elif isinstance(old, str) and isinstance(new, str) and ID_RE.match(old):
            self.ids.setdefault(old, new)

    def learn_from(self, original_lines, answer):
        head, _, body = "\n".join(original_lines).partition("\n\n")
        for line in head.split("\n"):
            if line.lower().startswith("location:"):
                old = UUID_IN_TEXT.findall(line)
                new = UUID_IN_TEXT.findall(answer.header("location") or "")
                for a, b in zip(old, new):
                    self.ids.setdefault(a, b)
        try:
            original = parse_json(body)
        except ValueError:
            return
        if answer.json is not None:
            self.learn(original, answer.json)

    # directives
    def run(self, directive):
        verb, _, rest = directive.partition(" ")
        handler = getattr(self, "do_" + verb, None)
        if handler is None:
            raise ReplayError(f"unknown transcript directive: {directive}")
        handler(rest.strip())

    def do_serve(self, rest):
        pass  # read before the server starts

    def do_skip(self, rest):
        pass

    def do_repeat(self, rest):
        pass

    def do_metrics(self, rest):
        pass

    def do_webhook(self, rest):
        pass

    def do_delivered(self, rest):
        deadline = time.monotonic() + 60
        while True:
            answer = self.call("GET", f"/api/v1/jobs/{self.substitute(rest)}/deliveries")
            states = [d["state"] for d in answer["deliveries"]]
            if states and all(s == "delivered" for s in states):
                return
            if time.monotonic() > deadline:
                raise ReplayError(f"deliveries of {rest}: {states} after 60 s")
            time.sleep(0.2)

    def do_input(self, rest):
        name, _, text = rest.partition(" ")
        with open(os.path.join(self.server.inputs, name), "w") as f:
            f.write(json.loads(text))

    def do_submit(self, rest):
        old, _, body = rest.partition(" ")
        path = "/api/v1/jobs"
        if body.startswith("/"):
            path, _, body = body.partition(" ")
        spec = json.loads(self.substitute(body))
        job = self.call("POST", path, spec)
        self.ids[old] = job["id"]
        self.types[old] = job["type"]

    def do_wait(self, rest):
        old, _, states = rest.partition(" ")
        wanted = states.split(",")
        deadline = time.monotonic() + 30
        while True:
            job = self.call("GET", f"/api/v1/jobs/{self.substitute(old)}?dialect=succeeded")
            if job["status"] in wanted:
                return
            if time.monotonic() > deadline:
                raise ReplayError(f"job {old} is {job['status']}, not {states}, after 30 s")
            time.sleep(0.1)

    def do_lease(self, rest):
        old, _, token = rest.partition(" ")
        jobs = self.call("POST", "/api/v1/leases", {"worker_id": "docs-setup", "max": 1,
                                                     "wait_s": 5, "types": [self.types[old]]})
        if not jobs["jobs"] or jobs["jobs"][0]["id"] != self.ids[old]:
            raise ReplayError(f"lease {old}: got {jobs}")
        self.ids[token] = jobs["jobs"][0]["lease_token"]

    def metrics(self, names):
        answer = self.send_text("GET /metrics HTTP/1.1\n")
        families, current = {}, None
        for line in answer.raw.decode().split("\n"):
            m = re.match(r"^# (?:HELP|TYPE) (\S+)", line)
            if m:
                current = m.group(1)
            if current and line:
                families.setdefault(current, []).append(line)
        out = []
        for name in names:
            if name not in families:
                raise ReplayError(f"GET /metrics has no metric {name}")
            out.extend(families[name] + ["…"])
        return out


class Server:
    def __init__(self, binary, flags):
        self.tmp = tempfile.mkdtemp(prefix="conveyor-doc-")
        self.inputs = os.path.join(self.tmp, "inputs")
        os.makedirs(self.inputs)
        port_file = os.path.join(self.tmp, "port")
        self.log = open(os.path.join(self.tmp, "server.log"), "wb")
        cmd = [binary, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
               "--store", "sqlite:" + os.path.join(self.tmp, "conveyor.db"), "--workers", "2"]
        self.proc = subprocess.Popen(cmd + flags, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmp)
        deadline = time.monotonic() + 30
        self.port = None
        while self.port is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ReplayError(f"conveyor serve did not start: {self.log_tail()}")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                self.port = int(text) if text.isdigit() else None
            except OSError:
                pass
            time.sleep(0.05)

    def log_tail(self):
        with open(os.path.join(self.tmp, "server.log"), "rb") as f:
            return f.read()[-2000:].decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def serve_flags(binary, blocks_directives):
    """The `serve` directives' flags that this binary knows (`serve --help`)."""
    wanted = []
    for d in blocks_directives:
        if d.startswith("serve "):
            wanted.extend(d.split()[1:])
    if not wanted:
        return []
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    flags, i = [], 0
    while i < len(wanted):
        flag = wanted[i]
        value = []
        while i + 1 < len(wanted) and not wanted[i + 1].startswith("--"):
            i += 1
            value.append(wanted[i])
        if re.search(re.escape(flag) + r"\b", help_text):
            flags.extend([flag] + value)
        else:
            print(f"note: this conveyor serve has no {flag}; not passed", file=sys.stderr)
        i += 1
    return flags


def replay_answer(replay, block):
    """Sends the last request and returns the live answer for `block`, learning ids from it."""
    answer = replay.send_text(replay.last_request)
    replay.learn_from(block.lines, answer)
    live = f"127.0.0.1:{replay.server.port}"
    return [x.replace(live, PAGE_ADDRESS) for x in answer.render()]


def regenerate_block(lines, block, previous, replay):
    """The new content of `block`, or None to leave it as written."""
    metrics = next((d for d in block.directives if d.startswith("metrics ")), None)
    webhook = next((d for d in block.directives if d.startswith("webhook ")), None)
    if metrics:
        return replay.metrics(metrics.split()[1:])
    if webhook:
        return replay.receiver.last_for(replay.substitute(webhook.split()[1]))
    if block.is_request():
        replay.last_request = "\n".join(block.lines)
        return None
    if not block.is_response():
        return None
    paired = previous is not None and previous.is_request() and adjacent(lines, previous, block)
    if not paired and "repeat" not in block.directives:
        print(f"note: line {block.start + 1}: a response without a request; left as written",
              file=sys.stderr)
        return None
    if replay.last_request is None:
        raise ReplayError(f"line {block.start + 1}: nothing to repeat")
    return replay_answer(replay, block)


def regenerate(lines, blocks, replay):
    """Returns {block start: replacement content lines}, replaying the blocks in page order."""
    changes, previous, skipping = {}, None, False
    for block in blocks:
        for d in block.directives:
            replay.run(d)
        if "skip" in block.directives or (skipping and block.is_response()):
            skipping = block.is_request()  # a skipped request's answer stays as written too
            previous = None
            continue
        skipping = False
        content = regenerate_block(lines, block, previous, replay)
        if content is not None:
            changes[block.start] = content
        previous = block
    return changes


def apply(lines, blocks, changes, rename):
    """The page with the regenerated blocks; everything else (requests, directives, prose) has
    its ids renamed to the live ones, so the next run reads a consistent page again."""
    out, i = [], 0
    for block in blocks:
        if block.start not in changes:
            continue
        out.extend(rename(x) for x in lines[i:block.start + 1])
        out.extend(changes[block.start])
        i = block.end
    out.extend(rename(x) for x in lines[i:])
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(root, "build", "conveyor"))
    parser.add_argument("--doc", default=os.path.join(root, "docs", "api.md"))
    parser.add_argument("--out", help="where to write the page (default: --doc, in place)")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)  # the server runs in its temporary directory
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} is not an executable: build the conveyor target first")
    with open(args.doc, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = parse_page(lines)
    server = Server(args.bin, serve_flags(args.bin, [d for b in blocks for d in b.directives]))
    replay = None
    try:
        replay = Replay(server)
        changes = regenerate(lines, blocks, replay)
    except (ReplayError, OSError, ValueError, KeyError) as e:
        sys.exit(f"transcripts not regenerated: {e}\nserver log tail:\n{server.log_tail()}")
    finally:
        server.stop()
        if replay is not None:
            replay.receiver.stop()
    with open(args.out or args.doc, "w", encoding="utf-8") as f:
        f.write("\n".join(apply(lines, blocks, changes, replay.rename)))
    print(f"{len(changes)} blocks regenerated in {args.out or args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
