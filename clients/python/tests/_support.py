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

# The job types the worker tests make up (pyclient.<random>). A server with the served-type rule
# (issue 10: unserved types are a 422) must have them declared before a worker's first lease
# names them; a server without the rule has no --external-types flag and takes them anyway.
TEST_TYPES = "pyclient.*"

_SERVE_HELP = None


def serve_has_flag(flag):
    """True when this build's `conveyor serve --help` lists `flag`."""
    global _SERVE_HELP
    if _SERVE_HELP is None:
        import subprocess
        from conveyor_harness import binary
        _SERVE_HELP = subprocess.run([binary(), "serve", "--help"], capture_output=True,
                                     text=True, timeout=60).stdout
    return flag in _SERVE_HELP


def external_types_args():
    return ["--external-types", TEST_TYPES] if serve_has_flag("--external-types") else []
