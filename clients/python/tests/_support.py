"""Shared setup of the client package's tests: the package from this checkout (src/) and the
e2e harness of the server (tests/e2e/conveyor_harness.py: the real binary on port 0 with a temp
SQLite file; $CONVEYOR_BIN names the binary, CTest sets it)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.normpath(os.path.join(HERE, ".."))
REPO_ROOT = os.path.normpath(os.path.join(PACKAGE_ROOT, "..", ".."))

for path in (os.path.join(PACKAGE_ROOT, "src"), os.path.join(REPO_ROOT, "tests", "e2e")):
    if path not in sys.path:
        sys.path.insert(0, path)

# Quick retries and lease rescue, so retry and heartbeat tests take seconds.
FAST = ["--rescue-interval-ms", "200", "--retry-base-ms", "50", "--retry-cap-ms", "200"]
