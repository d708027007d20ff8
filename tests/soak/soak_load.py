"""The soak's steady load (soak.py): batches of mixed jobs at a fixed rate, each submitting thread
on one keep-alive connection and its own schedule, and the submit latencies of each window."""
import http.client
import json
import random
import threading
import time
import urllib.parse

# (share of jobs, spec, cancel right after submit)
MIX = [
    (0.45, {"type": "noop"}, False),
    (0.25, {"type": "square_sum", "payload": {"data": [1, 2, 3]}}, False),
    (0.10, {"type": "sleep", "payload": {"seconds": 0.03}}, False),
    (0.10, {"type": "fail", "payload": {"retryable": False}, "max_attempts": 1}, False),
    (0.05, {"type": "fail", "payload": {"times": 1}, "max_attempts": 2}, False),
    (0.05, {"type": "sleep", "payload": {"seconds": 0.5}}, True),
]
# A thread that falls this far behind its schedule skips ahead instead of bursting.
MAX_LAG_S = 1.0


def pick(rng):
    x = rng.random()
    for share, spec, cancel in MIX:
        if x < share:
            return spec, cancel
        x -= share
    return MIX[0][1], MIX[0][2]


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Load:
    def __init__(self, base_url, rate, batch, threads):
        self.url = urllib.parse.urlsplit(base_url)
        self.period = batch * threads / rate  # seconds between one thread's requests
        self.batch, self.threads = batch, threads
        self.lock = threading.Lock()
        self.latencies_ms, self.submitted = [], 0
        self.errors, self.first_error = 0, None
        self.stopping = threading.Event()
        self.workers = []

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self.run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)

    def stop(self):
        self.stopping.set()
        for t in self.workers:
            t.join(timeout=30)

    def window(self, interval):
        """This window's submit rate and request latency p99, and resets both."""
        with self.lock:
            latencies, submitted = self.latencies_ms, self.submitted
            self.latencies_ms, self.submitted = [], 0
        p99 = percentile(latencies, 0.99)
        return {"submitted_per_s": round(submitted / interval, 1),
                "p99_ms": None if p99 is None else round(p99, 2)}

    def run(self, index):
        rng = random.Random(index)
        conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
        next_at = time.monotonic() + self.period * index / self.threads
        while not self.stopping.is_set():
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            elif now - next_at > MAX_LAG_S:
                next_at = now
            next_at += self.period
            try:
                self.submit(conn, rng)
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.record_error(e)
                conn.close()  # reconnects on the next request

    def submit(self, conn, rng):
        picks = [pick(rng) for _ in range(self.batch)]
        body = json.dumps({"jobs": [spec for spec, _ in picks]})
        started = time.monotonic()
        status, answer = self.request(conn, "POST", "/api/v1/jobs/batch", body)
        elapsed_ms = (time.monotonic() - started) * 1000
        if status != 201:
            raise ValueError(f"batch submit answered {status}: {answer[:200]}")
        with self.lock:
            self.latencies_ms.append(elapsed_ms)
            self.submitted += self.batch
        jobs = json.loads(answer)["jobs"]
        for (_, cancel), job in zip(picks, jobs):
            if cancel:
                status, answer = self.request(conn, "DELETE", f"/api/v1/jobs/{job['id']}")
                # 409: it ended before the cancel arrived (not a failure of the load).
                if status not in (200, 202, 409):
                    raise ValueError(f"cancel answered {status}: {answer[:200]}")

    @staticmethod
    def request(conn, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()

    def record_error(self, error):
        with self.lock:
            self.errors += 1
            if self.first_error is None:
                self.first_error = str(error)
