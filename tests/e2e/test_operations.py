"""Operations: after a clean stop the SQLite .db file alone holds every job (the WAL was
checkpointed); `migrate --status`; backup while serving, then restore and serve from the copy.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from conveyor_harness import ServerTestCase, binary, slow


def cli(*args, timeout=60):
    return subprocess.run([binary(), *args], capture_output=True, text=True,
                          timeout=timeout * slow(), stdin=subprocess.DEVNULL)


def jobs_in(db_path):
    """{id: state} read from the database file with Python's own SQLite, no server involved."""
    conn = sqlite3.connect(db_path)
    try:
        return dict(conn.execute("SELECT id, state FROM jobs").fetchall())
    finally:
        conn.close()


class CleanShutdownTest(ServerTestCase):

    def test_sigterm_leaves_a_complete_db_file(self):
        s = self.new_server(workers=0)
        ids = [self.must_submit(s, {"type": "square_sum", "payload": {"data": [i]}})["id"]
               for i in range(20)]
        self.assertEqual(s.stop(), 0)
        self.assertFalse(os.path.exists(s.db + "-wal") and os.path.getsize(s.db + "-wal") > 0,
                         "the -wal file still holds data after a clean stop")
        copy_dir = tempfile.mkdtemp(prefix="conveyor-e2e-copy-")
        self.addCleanup(shutil.rmtree, copy_dir, True)
        copy = os.path.join(copy_dir, "only.db")
        shutil.copyfile(s.db, copy)  # the .db file alone: no -wal, no -shm
        found = jobs_in(copy)
        for job_id in ids:
            self.assertIn(job_id, found, "an acknowledged job is missing from the .db file")


class MigrateStatusTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="conveyor-e2e-migrate-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "conveyor.db")
        self.store = "sqlite:" + self.db

    def status(self, code):
        p = cli("migrate", "--status", "--store", self.store)
        self.assertEqual(p.returncode, code, f"stdout: {p.stdout}\nstderr: {p.stderr}")
        store = int(re.search(r"^store schema version: (\d+)$", p.stdout, re.M).group(1))
        known = int(re.search(r"^binary schema version: (\d+)$", p.stdout, re.M).group(1))
        pending = re.search(r"^pending migrations: (.*)$", p.stdout, re.M).group(1)
        return store, known, pending, p.stderr

    def test_status_before_and_after_migrate(self):
        store, known, pending, _ = self.status(1)
        self.assertEqual(store, 0)
        self.assertEqual(pending.split()[0], "1")
        self.assertEqual(pending.split()[-1], str(known))
        self.assertEqual(cli("migrate", "--store", self.store).returncode, 0)
        self.assertEqual(self.status(0)[:3], (known, known, "none"))

    def test_a_newer_database_is_refused_by_every_command_that_opens_it(self):
        self.assertEqual(cli("migrate", "--store", self.store).returncode, 0)
        known = self.status(0)[1]
        conn = sqlite3.connect(self.db)
        with conn:
            conn.execute("INSERT INTO schema_migrations VALUES (?, 0)", (known + 1,))
        conn.close()
        store, _, _, err = self.status(1)
        self.assertEqual(store, known + 1)
        self.assertIn("newer than this binary", err)
        port_file = os.path.join(self.dir, "port")
        for args in (["migrate"], ["serve", "--listen", "127.0.0.1:0", "--port-file", port_file],
                     ["worker"], ["keys", "list"]):
            p = cli(*args, "--store", self.store)
            self.assertNotEqual(p.returncode, 0, f"{args} accepted a newer database")
            self.assertIn(f"version {known + 1}, newer than this binary knows (version {known})",
                          p.stderr, f"{args}: {p.stderr}")
        self.assertFalse(os.path.exists(port_file), "serve listened on a newer database")


if __name__ == "__main__":
    unittest.main()
