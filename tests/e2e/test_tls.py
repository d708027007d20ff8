"""HTTPS end to end: `conveyor serve --tls-cert FILE --tls-key FILE` with a throwaway certificate.

Each test makes its own self-signed certificate with the `openssl` command (Debian package
`openssl`) and talks to the server with Python's ssl module, verifying against that certificate.
Covered: a job submitted, waited for and read over HTTPS; old protocol versions and non-ECDHE
ciphers refused; plain HTTP on the TLS port answered with nothing HTTP while others are served;
SIGHUP swapping the certificate for new connections (a broken file keeps the old one); a client
that never sends its ClientHello dropped after --header-timeout without stalling anyone; the
start-up errors; the worker's admin address over TLS.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

from conveyor_harness import Response, Server, ServerTestCase, binary, slow

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def make_certificate(directory, name="server", cn="localhost"):
    """A self-signed EC P-256 certificate for 127.0.0.1/localhost: (cert path, key path)."""
    cert = os.path.join(directory, name + ".crt")
    key = os.path.join(directory, name + ".key")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def client_context(*cafiles, minimum=None, maximum=None, ciphers=None):
    """A verifying client context that trusts exactly `cafiles`."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 are named on purpose
    for cafile in cafiles:
        ctx.load_verify_locations(cafile)
    if ciphers:
        ctx.set_ciphers(ciphers)
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def peer_certificate(port, ctx, timeout=10):
    """The DER certificate the server presents to a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.getpeercert(binary_form=True)


def der_of(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


class TlsServer(Server):
    """A Server whose requests go over HTTPS, verified against `cafiles`."""

    def __init__(self, cert, key, cafiles, extra=(), **kwargs):
        self.ssl_context = client_context(*cafiles)
        super().__init__(extra=["--tls-cert", cert, "--tls-key", key] + list(extra), **kwargs)

    @property
    def base_url(self):
        return f"https://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=15.0):
        hdrs = dict(headers or {})
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        self.check_alive()
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout * slow(),
                                           context=self.ssl_context)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            r = Response(resp.status, resp.headers, resp.read(), method, path)
        finally:
            conn.close()
        with self._lock:
            self.status_log.append((method, path, r.status))
        return r


class Prober:
    """GET /health over HTTPS every 0.2 s on fresh connections, in a thread; records each
    answer's latency (None for a failure)."""

    def __init__(self, server, bound_s=5.0):
        self.server, self.bound_s = server, bound_s
        self.latencies, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)

    def _run(self):
        for _ in range(500):  # bounded in count as well as by the test's stop
            if self._stop.is_set():
                return
            start = time.monotonic()
            try:
                ok = self.server.request("GET", "/health", timeout=self.bound_s).status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            self.latencies.append(time.monotonic() - start if ok else None)
            self._stop.wait(0.2)

    def check(self, test):
        test.assertGreater(len(self.latencies), 3, "the prober barely ran")
        failed = [x for x in self.latencies if x is None or x > self.bound_s]
        test.assertEqual(failed, [], f"/health must answer within {self.bound_s}s while under "
                                     f"attack; latencies: {self.latencies}")


class TlsTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="conveyor-tls-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.cert, self.key = make_certificate(self.dir)

    def tls_server(self, cert=None, key=None, cafiles=None, **kwargs):
        s = TlsServer(cert or self.cert, key or self.key, cafiles or [self.cert], **kwargs)
        self._servers.append(s)
        self.addCleanup(s.close)
        return s

    def start_fails(self, args, expect_in_output, command="serve"):
        """Runs the binary with `args`; it must exit non-zero at once, saying `expect_in_output`."""
        store = "sqlite:" + os.path.join(self.dir, "refused.db")
        cmd = [binary(), command, "--store", store] + list(args)
        if command == "serve":
            cmd += ["--listen", "127.0.0.1:0"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60 * slow())
        out = done.stdout + done.stderr
        self.assertNotEqual(done.returncode, 0, f"{args} must be refused at start: {out}")
        self.assertIn(expect_in_output, out)
        return out


class TestTlsListener(TlsTestCase):
    def test_https_submit_wait_and_get_verified_against_the_test_certificate(self):
        s = self.tls_server()
        job = self.must_submit(s, {"type": "square_sum", "payload": {"data": [1, 2, 3]}})
        done = s.wait_for(job["id"], "SUCCEEDED")
        got = self.must_json(s.get_job(job["id"]), 200)
        self.assertEqual(got["status"], "SUCCEEDED")
        self.assertEqual(got["result"], done["result"])
        # The certificate presented is the one given, and TLS 1.3 is what a modern client gets.
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as raw:
            with s.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                self.assertEqual(tls.getpeercert(binary_form=True), der_of(self.cert))
                self.assertEqual(tls.version(), "TLSv1.3")

    def test_client_limited_to_tls_1_1_fails_the_handshake(self):
        s = self.tls_server()
        # SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal must be the server's.
        old = client_context(self.cert, minimum=ssl.TLSVersion.TLSv1,
                             maximum=ssl.TLSVersion.TLSv1_1, ciphers="DEFAULT:@SECLEVEL=0")
        with self.assertRaises(ssl.SSLError) as refused:
            peer_certificate(s.port, old)
        self.assertRegex(str(refused.exception).lower(), "protocol|version")
        # The same kind of client allowed TLS 1.2 gets in, with an ECDHE + AEAD suite.
        tls12 = client_context(self.cert, maximum=ssl.TLSVersion.TLSv1_2,
                               ciphers="DEFAULT:@SECLEVEL=0")
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as raw:
            with tls12.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                self.assertEqual(tls.version(), "TLSv1.2")
                name = tls.cipher()[0]
                self.assertTrue(name.startswith("ECDHE-"), name)
                self.assertTrue("GCM" in name or "CHACHA20" in name, name)

    def test_tls_1_2_client_offering_only_non_ecdhe_or_cbc_ciphers_is_refused(self):
        s = self.tls_server()
        for weak in ("AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"):
            ctx = client_context(self.cert, maximum=ssl.TLSVersion.TLSv1_2,
                                 ciphers=weak + ":@SECLEVEL=0")
            with self.subTest(cipher=weak), self.assertRaises(ssl.SSLError):
                peer_certificate(s.port, ctx)
        self.assertEqual(s.request("GET", "/health").status, 200)

    def test_plain_http_to_the_tls_port_gets_no_http_answer_and_others_are_served(self):
        s = self.tls_server()
        with Prober(s) as prober:
            for _ in range(5):
                with socket.create_connection(("127.0.0.1", s.port), timeout=10 * slow()) as raw:
                    raw.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                    got = b""
                    try:
                        while len(got) < 65536:
                            chunk = raw.recv(4096)
                            if not chunk:
                                break
                            got += chunk
                    except OSError:
                        pass  # a reset is a clean enough close
                    self.assertNotIn(b"HTTP/", got, "plain HTTP must get no HTTP answer")
            time.sleep(1)
        prober.check(self)
        self.assertTrue(s.running())

    def test_sighup_gives_new_connections_the_new_certificate_and_a_broken_file_keeps_it(self):
        s = self.tls_server(cafiles=None)
        new_dir = os.path.join(self.dir, "new")
        os.makedirs(new_dir)
        new_cert, new_key = make_certificate(new_dir, "next", cn="localhost-next")
        trusts_both = client_context(self.cert, new_cert)
        s.ssl_context = trusts_both
        self.assertEqual(peer_certificate(s.port, trusts_both), der_of(self.cert))
        # A keep-alive connection opened before the reload keeps working afterwards.
        kept = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=10, context=trusts_both)
        self.addCleanup(kept.close)
        kept.request("GET", "/health")
        self.assertEqual(kept.getresponse().read(), b'{"status":"ok"}')

        shutil.copyfile(new_cert, self.cert)
        shutil.copyfile(new_key, self.key)
        s.proc.send_signal(signal.SIGHUP)
        s.wait_until(lambda: peer_certificate(s.port, trusts_both) == der_of(new_cert), 10,
                     "new connections to present the reloaded certificate")
        kept.request("GET", "/health")
        self.assertEqual(kept.getresponse().status, 200)

        with open(self.cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
        s.proc.send_signal(signal.SIGHUP)
        s.wait_until(lambda: "tls_reload_failed" in s.log_tail(200), 10,
                     "the failed reload to be logged")
        self.assertIn(self.cert, s.log_tail(200))
        self.assertEqual(peer_certificate(s.port, trusts_both), der_of(new_cert))
        self.assertEqual(s.request("GET", "/health").status, 200)
        self.assertTrue(s.running(), "a broken file on SIGHUP must not stop the server")

    def test_client_that_never_sends_client_hello_is_dropped_without_stalling_others(self):
        s = self.tls_server(extra=["--header-timeout", "2s"])
        stuck = []
        self.addCleanup(lambda: [c.close() for c in stuck])
        with Prober(s) as prober:
            for _ in range(20):
                stuck.append(socket.create_connection(("127.0.0.1", s.port), timeout=10))
            time.sleep(1.0)
            started = time.monotonic()
            for c in stuck:  # each must be closed by the server after its header timeout
                c.settimeout(max(1.0, 15 * slow() - (time.monotonic() - started)))
                try:
                    self.assertEqual(c.recv(1), b"", "the server must close a silent client")
                except ConnectionResetError:
                    pass
        prober.check(self)
        self.assertLess(time.monotonic() - started, 15 * slow())

    def test_worker_admin_address_speaks_tls_too(self):
        port_file = os.path.join(self.dir, "admin-port")
        log = open(os.path.join(self.dir, "worker.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [binary(), "worker", "--store", "sqlite:" + os.path.join(self.dir, "w.db"),
             "--admin-listen", "127.0.0.1:0", "--port-file", port_file, "--workers", "1",
             "--tls-cert", self.cert, "--tls-key", self.key],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.kill(), proc.wait(10)))
        deadline = time.monotonic() + 20 * slow()
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            self.assertIsNone(proc.poll(), "the worker exited")
            time.sleep(0.05)
        with open(port_file) as f:
            port = int(f.read())
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                           context=client_context(self.cert))
        self.addCleanup(conn.close)
        conn.request("GET", "/health")
        self.assertEqual(conn.getresponse().status, 200)


class TestTlsStartupErrors(TlsTestCase):
    def test_one_tls_flag_without_the_other_is_a_startup_error(self):
        self.start_fails(["--tls-cert", self.cert], "--tls-key")
        self.start_fails(["--tls-key", self.key], "--tls-cert")

    def test_unreadable_or_mismatched_certificate_is_a_startup_error_naming_the_file(self):
        missing = os.path.join(self.dir, "missing.crt")
        self.start_fails(["--tls-cert", missing, "--tls-key", self.key], missing)
        other_cert, other_key = make_certificate(self.dir, "other")
        out = self.start_fails(["--tls-cert", self.cert, "--tls-key", other_key],
                               "does not match")
        with open(other_key) as f:
            key_body = f.read().splitlines()[1]
        self.assertNotIn(key_body, out, "an error must never show the key's content")

    def test_passphrase_protected_key_is_refused_without_prompting(self):
        locked = os.path.join(self.dir, "locked.key")
        subprocess.run([OPENSSL, "pkey", "-in", self.key, "-out", locked, "-aes256",
                        "-passout", "pass:secret-passphrase"], check=True, capture_output=True,
                       timeout=60)
        self.start_fails(["--tls-cert", self.cert, "--tls-key", locked], locked)


if __name__ == "__main__":
    unittest.main()
