"""Operator-declared commands: `--commands-file` declares `command.<name>` job types that run an
executable with the payload on stdin and take the result from its stdout."""

import json
import os
import stat
import subprocess
import tempfile
import unittest

from conveyor_harness import ServerTestCase, binary


def write_script(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class CommandsTest(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="conveyor-cmds-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.dir], check=False))
        echo = write_script(self.dir, "echo.py",
                            "#!/usr/bin/python3\nimport json, os, sys\n"
                            "p = json.load(sys.stdin)\n"
                            "print(json.dumps({'echo': p, 'greeting': os.environ.get('GREETING')}))\n")
        fail = write_script(self.dir, "fail.sh",
                            "#!/bin/sh\necho 'starting' >&2\necho 'disk on fire' >&2\nexit 4\n")
        self.pid_file = os.path.join(self.dir, "pid")
        slow = write_script(self.dir, "slow.sh",
                            f"#!/bin/sh\necho $$ > {self.pid_file}.tmp\n"
                            f"mv {self.pid_file}.tmp {self.pid_file}\nsleep 60\n")
        self.commands_file = os.path.join(self.dir, "commands.json")
        with open(self.commands_file, "w") as f:
            json.dump({"commands": {
                "echo": {"executable": echo, "env": {"GREETING": "hi"}, "timeout_s": 30},
                "broken": {"executable": fail},
                "slow": {"executable": slow},
            }}, f)

    def test_echo_returns_the_commands_json(self):
        s = self.new_server(workers=2, extra=["--commands-file", self.commands_file])
        job = self.must_submit(s, {"type": "command.echo", "payload": {"x": [1, 2, 3]}})
        done = s.wait_for(job["id"], "SUCCEEDED", timeout=20)
        self.assertEqual(done["result"], {"echo": {"x": [1, 2, 3]}, "greeting": "hi"})

    def test_failing_command_ends_failed_with_the_stderr_tail(self):
        s = self.new_server(workers=2, extra=["--commands-file", self.commands_file,
                                              "--retry-base-ms", "50", "--retry-cap-ms", "100"])
        job = self.must_submit(s, {"type": "command.broken", "payload": {}, "max_attempts": 2})
        done = s.wait_for(job["id"], "FAILED", timeout=20)
        self.assertEqual(done["attempt"], 2)
        self.assertIn("command.broken exited with status 4", done["error"])
        self.assertIn("disk on fire", done["error"])

    def child_pid(self, s):
        def read():
            if not os.path.exists(self.pid_file):
                return None
            with open(self.pid_file) as f:
                return int(f.read().strip())
        return s.wait_until(read, 10, "the child's pid file")

    def assert_gone(self, s, pid):
        def gone():
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                return True
        s.wait_until(gone, 10, f"the command's process {pid} to be gone")

    def test_cancel_stops_the_running_command(self):
        s = self.new_server(workers=1, extra=["--commands-file", self.commands_file])
        job = self.must_submit(s, {"type": "command.slow", "payload": {}})
        s.wait_for(job["id"], "RUNNING")
        pid = self.child_pid(s)
        self.must_json(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200)
        s.wait_for(job["id"], "CANCELLED", timeout=10)
        self.assert_gone(s, pid)

    def test_timeout_kills_the_command(self):
        s = self.new_server(workers=1, extra=["--commands-file", self.commands_file])
        job = self.must_submit(s, {"type": "command.slow", "payload": {}, "timeout_s": 1,
                                   "max_attempts": 1})
        pid = self.child_pid(s)
        done = s.wait_for(job["id"], "FAILED", timeout=15)
        self.assertIn("timed out", done["error"])
        self.assert_gone(s, pid)

    def test_undeclared_command_is_refused_at_submit(self):
        s = self.new_server(workers=1, extra=["--commands-file", self.commands_file])
        r = s.submit({"type": "command.rm", "payload": {}})
        self.assertGreaterEqual(r.status, 400, repr(r))
        self.assertLess(r.status, 500, repr(r))

    def test_bad_commands_file_exits_2_with_one_line(self):
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            json.dump({"commands": {"x": {"executable": "relative/path"}}}, f)
        p = subprocess.run([binary(), "serve", "--listen", "127.0.0.1:0", "--store",
                            "sqlite:" + os.path.join(self.dir, "db"), "--commands-file", bad],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        err = p.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("commands.x.executable must be an absolute path", err)


if __name__ == "__main__":
    unittest.main()
