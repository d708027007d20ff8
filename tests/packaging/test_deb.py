"""The .deb of `make package` installs on this machine, its systemd unit verifies, and the unit's
command line, started as the unit would start it, serves /health, runs a job and serves the docs
UI and dashboard from the binary alone; the package then purges without leaving a file behind.

No systemd runs here (nor in CI containers), so the unit is not started by systemd: this test
reads the installed unit and does what it says — a fresh environment from Environment= lines and
the EnvironmentFile, the WorkingDirectory (a temp dir standing in for /var/lib/conveyor), an
unprivileged user (nobody, standing in for DynamicUser=yes), ExecStart, then KillSignal. Only the
listen address changes (port 0 and a port file), so it never collides with a running server.

Root only (dpkg -i); it skips with a message otherwise, and when a conveyor package is already
installed (that one is not ours to replace). CONVEYOR_BUILD_DIR names the build whose binary is
packaged (CTest sets it to its own).
"""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

BUILD_DIR = os.environ.get("CONVEYOR_BUILD_DIR", "")
UNIT = "/lib/systemd/system/conveyor.service"
INSTALLED = ["/usr/bin/conveyor", UNIT, "/etc/conveyor/conveyor.env",
             "/usr/share/man/man1/conveyor.1.gz", "/usr/share/doc/conveyor/copyright"]
NOBODY = 65534
# What systemd gives a service besides the unit's own variables (systemd.exec(5), "Environment").
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run(*argv, check=True):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{shlex.join(argv)} exited {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}")
    return result


def package_installed():
    status = run("dpkg-query", "-W", "-f=${Status}", "conveyor", check=False).stdout
    return "installed" in status


def unit_settings(path):
    """The [Service] keys of a unit file, each with every value it was given, in order."""
    settings, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and line and not line.startswith(("#", ";")):
                key, _, value = line.partition("=")
                settings.setdefault(key, []).append(value)
    return settings


def read_env_file(path):
    """VAR=value lines as systemd reads them (comments and blank lines skipped)."""
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", ";")):
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip()
    return env


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


class DebPackageTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("skipped: installing the .deb needs root (dpkg -i); run as root")
        if package_installed() or os.path.exists("/usr/bin/conveyor"):
            self.skipTest("skipped: a conveyor package or /usr/bin/conveyor is already on this "
                          "machine; this test installs and purges its own")
        self.assertTrue(os.path.isfile(os.path.join(BUILD_DIR, "CPackConfig.cmake")),
                        f"CONVEYOR_BUILD_DIR={BUILD_DIR!r} is not a configured build")
        self.tmp = tempfile.mkdtemp(prefix="conveyor-deb-")
        os.chmod(self.tmp, 0o755)  # the server runs as nobody below it
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def test_deb_installs_and_its_unit_command_serves(self):
        deb = self.make_package()
        info = run("dpkg-deb", "--info", deb).stdout
        for library in ("libsqlite3-0", "libpq5", "libcurl4", "libssl3", "libboost-json1.81.0"):
            self.assertIn(library, info, "Depends from dpkg-shlibdeps")

        self.addCleanup(self.purge)
        run("dpkg", "-i", deb)
        for path in INSTALLED:
            self.assertTrue(os.path.exists(path), path)
        run("systemd-analyze", "verify", "--man=no", UNIT)
        self.assert_hardened(UNIT)

        server, state_dir = self.start_as_the_unit_would()
        try:
            port = self.wait_for_port(server, state_dir)
            base = f"http://127.0.0.1:{port}"
            self.assertEqual(get_json(base + "/health"), (200, {"status": "ok"}))
            self.assertEqual(get_json(base + "/ready"), (200, {"status": "ready"}))
            self.assert_a_job_runs(base)
            self.assert_web_assets_are_built_in(base)
            # The env file's relative sqlite:conveyor.db is in the working (state) directory.
            self.assertTrue(os.path.exists(os.path.join(state_dir, "conveyor.db")))
        finally:
            self.stop(server)
        self.assertEqual(server.returncode, 0, self.log())
        self.assertFalse(os.path.exists(os.path.join(state_dir, "conveyor.db-wal")),
                         "a clean stop checkpoints the WAL")

    def assert_hardened(self, unit):
        """systemd's own score of the sandboxing, offline: 1.2 when written; at most 2.0."""
        text = run("systemd-analyze", "security", "--offline=true", unit).stdout
        match = re.search(r"Overall exposure level for conveyor.service: ([0-9.]+)", text)
        self.assertIsNotNone(match, text[-2000:])
        self.assertLessEqual(float(match.group(1)), 2.0, text)

    def make_package(self):
        for old in glob.glob(os.path.join(BUILD_DIR, "packages", "conveyor_*.deb")):
            os.remove(old)
        subprocess.run(["cpack", "--config", "CPackConfig.cmake"], cwd=BUILD_DIR, check=True,
                       capture_output=True, timeout=300)
        debs = glob.glob(os.path.join(BUILD_DIR, "packages", "conveyor_*.deb"))
        self.assertEqual(len(debs), 1, debs)
        return debs[0]

    def start_as_the_unit_would(self):
        unit = unit_settings(UNIT)
        self.assertEqual(unit["KillSignal"], ["SIGTERM"])
        self.assertEqual(unit["DynamicUser"], ["yes"])
        self.assertEqual(unit["StateDirectory"], ["conveyor"])
        self.assertEqual(unit["WorkingDirectory"], ["/var/lib/conveyor"])
        state_dir = os.path.join(self.tmp, "state")  # stands in for /var/lib/conveyor
        os.mkdir(state_dir, 0o750)
        os.chown(state_dir, NOBODY, NOBODY)

        env = {"PATH": SYSTEMD_PATH, "STATE_DIRECTORY": state_dir}
        for line in unit.get("Environment", []):
            for assignment in shlex.split(line):
                key, _, value = assignment.partition("=")
                env[key] = value
        for env_file in unit.get("EnvironmentFile", []):
            env.update(read_env_file(env_file.lstrip("-")))
        self.assertEqual(env.get("CONVEYOR_STORE"), "sqlite:conveyor.db")
        env["CONVEYOR_LISTEN"] = "127.0.0.1:0"
        env["CONVEYOR_PORT_FILE"] = os.path.join(state_dir, "port")

        (exec_start,) = unit["ExecStart"]
        argv = shlex.split(exec_start)
        self.assertEqual(argv, ["/usr/bin/conveyor", "serve"])
        setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                   "--no-new-privs"]
        log = open(os.path.join(self.tmp, "server.log"), "wb")
        self.addCleanup(log.close)
        server = subprocess.Popen(setpriv + argv, cwd=state_dir, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        return server, state_dir

    def wait_for_port(self, server, state_dir):
        port_file = os.path.join(state_dir, "port")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.assertIsNone(server.poll(), "the server exited:\n" + self.log())
            if os.path.exists(port_file):
                with open(port_file, encoding="utf-8") as f:
                    return int(f.read())
            time.sleep(0.05)
        self.fail("no port file within 30 s:\n" + self.log())

    def assert_a_job_runs(self, base):
        status, job = post_json(base + "/api/v1/jobs",
                                {"type": "cube_sum", "payload": {"data": [2, 3]}})
        self.assertEqual(status, 201, job)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, result = get_json(f"{base}/api/v1/jobs/{job['id']}/result")
            if result["status"] == "SUCCEEDED":
                self.assertEqual(result["result"], 35)
                return
            time.sleep(0.05)
        self.fail(f"job {job['id']} did not succeed within 30 s: {result}")

    def assert_web_assets_are_built_in(self, base):
        """The package ships no web files: the docs UI and dashboard come from the binary."""
        for path, at_least in (("/docs", 500), ("/docs/assets/swagger-ui-bundle.js", 500_000),
                               ("/dashboard/", 500)):
            with urllib.request.urlopen(base + path, timeout=5) as response:
                self.assertEqual(response.status, 200, path)
                self.assertGreater(len(response.read()), at_least, path)

    def stop(self, server):
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=45)  # the unit's TimeoutStopSec
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def log(self):
        with open(os.path.join(self.tmp, "server.log"), encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def purge(self):
        run("dpkg", "--purge", "conveyor")
        left = [path for path in INSTALLED + ["/etc/conveyor"] if os.path.exists(path)]
        self.assertEqual(left, [], "files left after dpkg --purge")


if __name__ == "__main__":
    unittest.main()
