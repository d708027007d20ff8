"""Operations: after a clean stop the SQLite .db file alone holds every job (the WAL was
checkpointed); `migrate --status`; backup while serving, then restore and serve from the copy.
"""

import os
import shutil
import sqlite3
import tempfile
import unittest

from conveyor_harness import ServerTestCase


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


if __name__ == "__main__":
    unittest.main()
