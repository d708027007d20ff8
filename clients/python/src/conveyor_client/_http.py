"""HTTP transport of the client: JSON over keep-alive connections, errors as exceptions.

Thread-safety: one Transport may be shared by many threads; each thread gets its own
connection (http.client connections are not thread-safe), kept alive between requests.
"""

import http.client
import json
import threading
import urllib.parse
import warnings

from . import __version__
from .errors import ConnectionFailed, ConveyorError, error_for

# Every request asks for Conveyor's own vocabulary (SUCCEEDED, RUNNING, ...): a server whose
# operator set another default dialect (--dialect) still answers this client in the names
# it understands.
DIALECT = "succeeded"

_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# A request that fails with these errors on a kept-alive connection found it closed by the
# server (idle for 60 s, or the server restarted): it is sent once more on a fresh connection.
# A submit the server took and then dropped the connection on could be stored twice; give
# submits an idempotency_key where that matters.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class Transport:
    """Sends requests to one Conveyor server under its /api/v1 prefix."""

    def __init__(self, url, api_key=None, timeout=30.0):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"url must look like http://127.0.0.1:8000, got {url!r}")
        self.scheme, self.host = u.scheme, u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/") + "/api/v1"
        self.timeout = timeout
        self.headers = {"Accept": "application/json", "Conveyor-Dialect": DIALECT,
                        "User-Agent": f"conveyor-client-python/{__version__}"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
            if u.scheme == "http" and u.hostname not in _LOOPBACK:
                warnings.warn(f"the API key for {u.hostname} travels in clear text over http: "
                              "use an https:// URL", stacklevel=3)
        self._local = threading.local()

    def request(self, method, path, body=None, query=None, timeout=None):
        """Returns the parsed JSON of a 2xx answer; raises a ConveyorError otherwise."""
        target = self.prefix + path
        if query:
            target += "?" + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None})
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, resp_headers, raw = self._send(method, target, data, headers, timeout)
        return _decode(status, resp_headers, raw, method, target)

    def close(self):
        """Closes this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _connection(self, timeout):
        conn = getattr(self._local, "conn", None)
        reused = conn is not None
        if conn is None:
            cls = (http.client.HTTPSConnection if self.scheme == "https"
                   else http.client.HTTPConnection)
            conn = cls(self.host, self.port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, reused

    def _send(self, method, target, data, headers, timeout):
        timeout = self.timeout if timeout is None else timeout
        for attempt in (1, 2):
            conn, reused = self._connection(timeout)
            try:
                conn.request(method, target, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                if resp.will_close:
                    self.close()
                return resp.status, resp.headers, raw
            except (http.client.HTTPException, OSError) as e:
                self.close()
                if attempt == 1 and reused and isinstance(e, _STALE):
                    continue
                raise ConnectionFailed(f"{method} {self._where(target)} failed: "
                                       f"{type(e).__name__}: {e}", e) from e
        raise AssertionError("unreachable")

    def _where(self, target):
        return f"{self.scheme}://{self.host}:{self.port}{target}"


def _decode(status, headers, raw, method, target):
    content_type = (headers.get("Content-Type") or "").lower()
    parsed = None
    if raw and "json" in content_type:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
    if 200 <= status < 300:
        if parsed is None:  # every Conveyor route answers JSON: anything else is not Conveyor
            raise ConveyorError(status, None, f"{method} {target} answered {status} with a "
                                              f"body that is not JSON: {raw[:200]!r}")
        return parsed
    problem = parsed if isinstance(parsed, dict) else {}
    detail = problem.get("detail") or (
        f"{method} {target} answered {status}: {raw[:300].decode('utf-8', 'replace')}")
    return _raise(status, problem, detail, headers.get("Retry-After"))


def _raise(status, problem, detail, retry_after):
    try:
        seconds = float(retry_after) if retry_after is not None else None
    except ValueError:
        seconds = None  # an HTTP-date: the caller decides its own pause
    raise error_for(status, problem, detail, seconds)
