"""Operations: after a clean stop the SQLite .db file alone holds every job (the WAL was
checkpointed); `migrate --status`; backup while serving, then restore and serve from the copy.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
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

    def test_a_worker_stopped_by_sigterm_leaves_a_complete_db_file(self):
        s = self.new_server(workers=0)
        ids = [self.must_submit(s, {"type": "square_sum", "payload": {"data": [i]}})["id"]
               for i in range(10)]
        self.assertEqual(s.stop(), 0)
        port_file = os.path.join(s.tmpdir, "worker-port")
        log = open(os.path.join(s.tmpdir, "worker.log"), "wb")
        self.addCleanup(log.close)
        worker = subprocess.Popen([binary(), "worker", "--store", s.store, "--port-file",
                                   port_file, "--workers", "2"], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30 * slow()
            while set(jobs_in(s.db).values()) != {"SUCCEEDED"}:  # it ran them: it wrote
                self.assertLess(time.monotonic(), deadline, "the worker did not run the jobs")
                self.assertIsNone(worker.poll(), "the worker exited")
                time.sleep(0.05)
            worker.send_signal(signal.SIGTERM)
            self.assertEqual(worker.wait(30 * slow()), 0)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        self.assertFalse(os.path.exists(s.db + "-wal"), "the worker left a -wal file")
        copy_dir = tempfile.mkdtemp(prefix="conveyor-e2e-copy-")
        self.addCleanup(shutil.rmtree, copy_dir, True)
        copy = os.path.join(copy_dir, "only.db")
        shutil.copyfile(s.db, copy)
        self.assertEqual({i: "SUCCEEDED" for i in ids}, jobs_in(copy))


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


class BackupRestoreTest(ServerTestCase):

    def test_backup_while_serving_then_restore_and_serve_from_it(self):
        s = self.new_server(workers=0)  # no worker: every state is the one the test set
        states = {}
        for i in range(60):
            job = self.must_submit(s, {"type": "square_sum", "payload": {"data": [i]}})
            states[job["id"]] = "PENDING"
            if i % 3 == 0:
                self.assertIn(s.request("DELETE", f"/api/v1/jobs/{job['id']}").status, (200, 202))
                states[job["id"]] = "CANCELLED"
        stop, during = threading.Event(), []

        def keep_submitting():
            while not stop.is_set():
                r = s.submit({"type": "square_sum", "payload": {"data": [1]}})
                during.append((r.status, r.body.get("id") if r.status == 201 else None))

        writer = threading.Thread(target=keep_submitting, daemon=True)
        writer.start()
        while len(during) < 20:  # the server is writing when the backup starts
            self.assertTrue(writer.is_alive())
        for _, job_id in list(during):  # acknowledged before the backup started
            states[job_id] = "PENDING"
        backup = os.path.join(s.tmpdir, "backup.db")
        p = cli("backup", backup, "--store", s.store)
        stop.set()
        writer.join(30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual({code for code, _ in during}, {201}, "submits failed during the backup")
        self.assertFalse(os.path.exists(backup + ".tmp"))
        self.assertFalse(os.path.exists(backup + "-wal"), "the backup needs a -wal file")
        conn = sqlite3.connect(backup)
        self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        conn.close()
        # An existing file is kept unless --force.
        p = cli("backup", backup, "--store", s.store)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--force", p.stderr)
        # Restoring over the store of a running server is refused, and changes nothing.
        p = cli("restore", backup, "--store", s.store)
        self.assertEqual(p.returncode, 1)
        self.assertIn("stop it first", p.stderr)
        self.assertEqual(s.stop(), 0)

        restored = self.new_server(workers=0, start=False)
        p = cli("restore", backup, "--store", restored.store)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(backup + "-wal"), "restore left files beside the backup")
        restored.start()
        for job_id, state in states.items():
            self.assertEqual(self.must_json(restored.get_job(job_id), 200)["status"], state)

    def test_restore_refuses_what_is_not_a_conveyor_database(self):
        d = tempfile.mkdtemp(prefix="conveyor-e2e-restore-")
        self.addCleanup(shutil.rmtree, d, True)
        other = os.path.join(d, "other.db")
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
        target = os.path.join(d, "conveyor.db")
        p = cli("restore", other, "--store", "sqlite:" + target)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a Conveyor database", p.stderr)
        self.assertEqual(sorted(os.listdir(d)), ["other.db"], "a refused restore left files")

    def test_postgres_stores_are_sent_to_pg_dump(self):
        for command in ("backup", "restore"):
            p = cli(command, "/tmp/never-written.dump", "--store", "postgres://u@127.0.0.1:1/db")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("pg_dump --format=custom" if command == "backup" else "pg_restore",
                          p.stderr)
        self.assertFalse(os.path.exists("/tmp/never-written.dump"))


if __name__ == "__main__":
    unittest.main()
