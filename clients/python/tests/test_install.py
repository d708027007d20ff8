"""The README's install command works with no network: it is read from README.md and run, as
written, in a copy of clients/python, into a fresh virtual environment, with pip's index and
any proxy unusable; the installed package (not this checkout's src/) then submits a job to the
real server and waits for its result."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import _support
from conveyor_harness import ServerTestCase, slow

INSTALL_LINE = "pip install --no-build-isolation ./clients/python"
NEEDS = "import venv, ensurepip, setuptools, wheel"
# Debian's interpreter first: python3-setuptools and python3-wheel install there.
CANDIDATES = ("/usr/bin/python3", sys.executable)


def readme_install_block():
    """The fenced shell block of README.md that holds the install command."""
    with open(os.path.join(_support.REPO_ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S):
        if INSTALL_LINE in block:
            return block
    raise AssertionError(f"README.md has no ```bash block with `{INSTALL_LINE}`")


def python_with_build_backend():
    """An interpreter that can create a venv and whose site has setuptools and wheel."""
    for exe in CANDIDATES:
        if exe and os.access(exe, os.X_OK) and subprocess.run(
                [exe, "-c", NEEDS], capture_output=True, timeout=60).returncode == 0:
            return exe
    raise AssertionError(f"none of {CANDIDATES} can `{NEEDS}`: install the Debian packages "
                         "python3-venv python3-setuptools python3-wheel (make deps does)")


def offline_env(bindir):
    """The environment of a machine without network: no index, no find-links, no pip config,
    and a proxy that refuses every connection, so any download attempt fails."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") and k.lower() not in ("http_proxy", "https_proxy")
           and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               PATH=bindir + os.pathsep + env.get("PATH", ""))
    return env


CHECK = """
import sys, conveyor_client
from conveyor_client import Client
assert conveyor_client.__file__.startswith(sys.prefix), conveyor_client.__file__
c = Client(sys.argv[1])
job = c.submit("square_sum", {"data": [1, 2, 3]})
print(c.wait(job.id, timeout=60).result)
"""


class ReadmeInstallTest(ServerTestCase):
    SERVER_ARGS = dict(workers=1)

    def test_readme_install_command_works_offline_into_a_fresh_venv(self):
        block = readme_install_block()
        tmp = tempfile.mkdtemp(prefix="pyclient-install-")
        self.addCleanup(shutil.rmtree, tmp, True)
        shutil.copytree(_support.PACKAGE_ROOT, os.path.join(tmp, "clients", "python"),
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(python_with_build_backend(), os.path.join(bindir, "python3"))
        env = offline_env(bindir)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=300 * slow())
        self.assertEqual(run.returncode, 0, f"{block}\n{run.stdout}\n{run.stderr}")
        venv_python = os.path.join(tmp, ".venv", "bin", "python")
        check = subprocess.run([venv_python, "-c", CHECK, self.server.base_url], cwd=tmp,
                               env=env, capture_output=True, text=True, timeout=120 * slow())
        self.assertEqual((check.returncode, check.stdout.strip()), (0, "14"), check.stderr)
        script = subprocess.run([os.path.join(tmp, ".venv", "bin", "conveyor-worker"), "--help"],
                                env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(script.returncode, 0, script.stderr)
        self.assertIn("--module", script.stdout)


if __name__ == "__main__":
    unittest.main()
