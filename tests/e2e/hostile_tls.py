"""Hostile clients against the HTTPS listener (imported by test_hostile_client.py).

While each attack runs, a prober's /health over HTTPS must be answered within 5 s: half a
ClientHello that never completes, random bytes instead of a handshake, and a burst of full
handshakes abandoned at once. Every loop is bounded in count and time; 127.0.0.1 only.
"""

import os
import socket
import time
import unittest

from conveyor_harness import slow
from test_tls import Prober, TlsTestCase


class HostileTlsClients(TlsTestCase):
    def setUp(self):
        super().setUp()
        self.s = self.tls_server(extra=["--header-timeout", "2s"])
        self.socks = []
        self.addCleanup(lambda: [c.close() for c in self.socks])

    def open(self, n, payload):
        for _ in range(n):
            c = socket.create_connection(("127.0.0.1", self.s.port), timeout=10)
            if payload:
                c.sendall(payload)
            self.socks.append(c)

    def assert_all_closed_by_server(self, within_s):
        deadline = time.monotonic() + within_s * slow()
        for c in self.socks:
            c.settimeout(max(0.5, deadline - time.monotonic()))
            try:
                while c.recv(4096):  # an alert may come first; then the close
                    pass
            except ConnectionResetError:
                pass
            except socket.timeout:
                self.fail("the server kept a hostile TLS connection open past its header timeout")

    def test_half_client_hello_never_completed(self):
        # A TLS record header announcing a 512-byte handshake message, then 5 bytes of it.
        partial = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03])
        with Prober(self.s) as prober:
            self.open(30, partial)
            time.sleep(1)
            self.assert_all_closed_by_server(15)
        prober.check(self)

    def test_random_bytes_instead_of_a_handshake(self):
        with Prober(self.s) as prober:
            stop_at = time.monotonic() + 3
            for _ in range(300):  # for about 3 s, bounded in count too
                if time.monotonic() > stop_at:
                    break
                self.open(1, os.urandom(2048))
                time.sleep(0.01)
            self.assert_all_closed_by_server(15)
        prober.check(self)

    def test_burst_of_handshakes_abandoned_at_once(self):
        with Prober(self.s) as prober:
            stop_at = time.monotonic() + 3
            for _ in range(2000):  # for about 3 s, bounded in count too
                if time.monotonic() > stop_at:
                    break
                with socket.create_connection(("127.0.0.1", self.s.port), timeout=10) as raw:
                    with self.s.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1"):
                        pass  # handshake done, closed without a request
        prober.check(self)
        self.assertEqual(self.s.request("GET", "/health").status, 200)


if __name__ == "__main__":
    unittest.main()
