"""A webhook receiver for tests: real HTTP/1.1 with keep-alive, Python standard library only.

Used by the e2e tests (imported: start_receiver) and by the C++ tests of the webhook sender and
dispatcher (run as a child process: `python3 webhook_receiver.py [port]` prints the bound port on
its first line). Paths, for POST (any method, in fact):

  /ok                     200 "ok"
  /status/<code>          answers <code>
  /flaky/<key>/<n>        the first <n> requests for <key> get 500, then 200
  /retry-after/<key>/<v>  the first request for <key> gets 429 with "Retry-After: <v>", then 200
  /sleep/<seconds>        waits, then 200
  /barrier/<key>/<n>      held until <n> requests for <key> are held together, then 200 (504
                          after 20 s): proves that a client sends them concurrently
  /verify/<secret>        200 if the Standard Webhooks signature verifies with <secret>, else 401
  GET /_log               JSON list of every request received so far (not counting /_log):
                          {"path", "headers" (lower-case names), "body", "client_port", "status"}
  GET /_count             how many requests were logged (plain text)
  GET /_connections       over how many distinct client connections (ports) they came
  POST /_reset            forgets the log and the counters
"""

import base64
import hashlib
import hmac
import http.server
import json
import socketserver
import sys
import threading
import time
import urllib.parse


def verify_signature(secret, headers, body):
    """Standard Webhooks verification, written independently of Conveyor's C++ signer."""
    if secret.startswith("whsec_"):
        key = base64.b64decode(secret[len("whsec_"):])
    else:
        key = secret.encode()
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp or abs(time.time() - int(timestamp)) > 300:
        return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers.get("webhook-signature", "").split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.log = []
        self.counts = {}
        self.cond = threading.Condition(self.lock)

    def barrier(self, key, n, timeout=20):
        """Waits until n requests for key are waiting together; False after timeout."""
        with self.cond:
            self.counts[key] = self.counts.get(key, 0) + 1
            self.cond.notify_all()
            return self.cond.wait_for(lambda: self.counts[key] >= n, timeout)

    def bump(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", extra=()):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def decide(self, parts, body, headers):
        state = self.server.state
        if parts[0] == "ok":
            return 200, ()
        if parts[0] == "status":
            return int(parts[1]), ()
        if parts[0] == "flaky":
            return (500 if state.bump(parts[1]) <= int(parts[2]) else 200), ()
        if parts[0] == "retry-after":
            value = urllib.parse.unquote(parts[2])
            return (429, [("Retry-After", value)]) if state.bump(parts[1]) == 1 else (200, ())
        if parts[0] == "sleep":
            time.sleep(float(parts[1]))
            return 200, ()
        if parts[0] == "barrier":
            return (200 if state.barrier(parts[1], int(parts[2])) else 504), ()
        if parts[0] == "verify":
            secret = urllib.parse.unquote(parts[1])
            return (200 if verify_signature(secret, headers, body) else 401), ()
        return 404, ()

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        state = self.server.state
        if self.path == "/_log":
            with state.lock:
                data = json.dumps(state.log).encode()
            return self.reply(200, data, [("Content-Type", "application/json")])
        if self.path in ("/_count", "/_connections"):
            with state.lock:
                items = state.log if self.path == "/_count" else {e["client_port"] for e in state.log}
                data = str(len(items)).encode()
            return self.reply(200, data)
        if self.path == "/_reset":
            with state.lock:
                state.log.clear()
                state.counts.clear()
            return self.reply(200)
        headers = {k.lower(): v for k, v in self.headers.items()}
        parts = self.path.strip("/").split("/")
        code, extra = self.decide(parts, body, headers)
        with state.lock:
            state.log.append({"path": self.path, "headers": headers,
                              "body": body.decode("utf-8", "replace"),
                              "client_port": self.client_address[1], "status": code})
        self.reply(code, b"status %d" % code, extra)

    do_GET = do_POST = do_PUT = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that time out and hang up are part of the tests


def start_receiver(port=0):
    """Starts a receiver on 127.0.0.1:<port> in a daemon thread; returns the server (.port)."""
    server = Server(("127.0.0.1", port), Handler)
    server.state = State()
    server.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class ReceiverMixin:
    """For a test class: a receiver as cls.rx for the class's life (before ServerTestCase in
    the bases), and received(job_id), the deliveries of one job in arrival order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rx = start_receiver()

    @classmethod
    def tearDownClass(cls):
        cls.rx.shutdown()
        cls.rx.server_close()
        super().tearDownClass()

    def received(self, job_id):
        with self.rx.state.lock:
            return [e for e in self.rx.state.log
                    if e["headers"].get("webhook-id", "").startswith(job_id)]


if __name__ == "__main__":
    s = start_receiver(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(s.port, flush=True)
    threading.Event().wait()
