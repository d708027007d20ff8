"""The load of a chaos round and what counts its side effects (Python standard library only).

CountingReceiver: the loopback HTTP server every job talks to. Each job is an `http.request` that
POSTs to /hit/<token> (the handler's side effect, counted per token: a job run twice is seen
twice) and carries webhook_url /wh/<token> (its terminal-state delivery, counted when received
whole). With drop_webhooks set, the first DROPS_PER_DELIVERY deliveries of each token are cut off
mid-body: headers and half the body read, then the connection closed without an answer.

Submitters: threads that submit jobs to the API node on loopback and record every answer: the
acknowledged (2xx) jobs, the status codes seen, and requests that got no answer at all.
"""

import http.client
import http.server
import json
import socket
import threading
import time
import uuid
from collections import Counter

DROPS_PER_DELIVERY = 2


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802 (http.server's naming)
        path, _, query = self.path.partition("?")
        kind, _, token = path.strip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        st = self.server.state
        if kind == "wh" and st.should_drop(token):
            self.rfile.read(length // 2)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.rfile.read(length)
        if kind == "hit":
            ms = int(query[3:]) if query.startswith("ms=") else 0
            st.count("hits", token)
            time.sleep(ms / 1000.0)
        elif kind == "wh":
            st.count("deliveries", token)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a node killed mid-request resets its connection: expected here, not news


class CountingReceiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = Counter()
        self.deliveries = Counter()
        self.dropped = Counter()
        self.drop_webhooks = False
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.state = self
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, kind, token, query=""):
        return "http://127.0.0.1:%d/%s/%s%s" % (self.port, kind, token, query)

    def should_drop(self, token):
        with self.lock:
            if not self.drop_webhooks or self.dropped[token] >= DROPS_PER_DELIVERY:
                return False
            self.dropped[token] += 1
            return True

    def count(self, what, token):
        with self.lock:
            getattr(self, what)[token] += 1

    def snapshot(self, what, token):
        with self.lock:
            return getattr(self, what)[token]

    def close(self):
        self.httpd.shutdown()


class Load:
    """Several submitting threads against one API port; everything they saw, per round."""

    def __init__(self, api_port, receiver, threads=3, run_ms=0, slots=4):
        self.api_port = api_port
        self.receiver = receiver
        self.threads = threads
        self.run_ms = run_ms  # how long each job's side effect keeps it RUNNING
        # Submit no faster than the `slots` worker threads can run jobs of run_ms, so the check
        # after the load waits for the fault's effects, not for a backlog.
        self.pause_s = 0.04 + run_ms / 1000.0 * threads / slots
        self.lock = threading.Lock()
        self.acked = {}  # token -> job id
        self.ack_times = []  # monotonic time of each 2xx
        self.codes = Counter()  # HTTP status -> count (every answer to a submit)
        self.five_xx = []  # (monotonic time, status, detail) of every 5xx
        self.no_answer = 0
        self._stop = threading.Event()
        self._workers = []

    def spec(self, token):
        query = "?ms=%d" % self.run_ms if self.run_ms else ""
        return {"type": "http.request", "max_attempts": 50,
                "payload": {"url": self.receiver.url("hit", token, query), "method": "POST",
                            "body": {"token": token}},
                "webhook_url": self.receiver.url("wh", token)}

    def start(self):
        self._stop.clear()
        for _ in range(self.threads):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self):
        self._stop.set()
        for t in self._workers:
            t.join(30)
        self._workers = []

    def _run(self):
        while not self._stop.is_set():
            token = uuid.uuid4().hex
            self._submit_one(token)
            self._stop.wait(self.pause_s)

    def _submit_one(self, token):
        body = json.dumps(self.spec(token)).encode()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=15)
            conn.request("POST", "/api/v1/jobs", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            raw = resp.read()
            conn.close()
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.no_answer += 1  # not acknowledged: the client cannot rely on it
            time.sleep(0.1)
            return
        now = time.monotonic()
        with self.lock:
            self.codes[resp.status] += 1
            if 200 <= resp.status < 300:
                self.acked[token] = json.loads(raw)["id"]
                self.ack_times.append(now)
            elif resp.status >= 500:
                self.five_xx.append((now, resp.status, raw[:300].decode("utf-8", "replace")))
        if resp.status >= 500:
            time.sleep(0.1)  # as a client honouring Retry-After would, roughly

    def first_ack_after(self, t):
        with self.lock:
            later = [a for a in self.ack_times if a >= t]
        return min(later) if later else None
