"""The include checker (scripts/check_layers.py) on small trees made for the purpose: it must
pass a tree that keeps the rules and name each kind of broken arrow in one that does not."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts'))
import check_layers  # noqa: E402


class CheckLayersTest(unittest.TestCase):
    def tree(self, files):
        root = tempfile.mkdtemp(prefix='layers-')
        self.addCleanup(lambda: __import__('shutil').rmtree(root))
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
        return root

    def test_a_tree_with_downward_arrows_passes(self):
        root = self.tree({
            'core/status.h': '#include <string>\n',
            'store/store.h': '#include "core/status.h"\n',
            'store/sqlite/sqlite_store.cc': '#include "store/store.h"\n#include <sqlite3.h>\n',
            'store/store_factory.cc': '#include "store/sqlite/sqlite_store.h"\n'
                                      '#include "store/postgres/postgres_store.h"\n',
            'outbound/http.cc': '#include <curl/curl.h>\n#include "core/status.h"\n',
            'runtime/work/pool.cc': '#include "runtime/maintenance/rescuer.h"\n'
                                    '#include "runtime/job_service.h"\n#include "store/store.h"\n',
            'api/routes.cc': '#include "runtime/job_service.h"\n',
        })
        self.assertEqual(check_layers.check(root), [])

    def test_an_upward_arrow_fails(self):
        root = self.tree({'store/store.cc': '#include "runtime/job_service.h"\n',
                          'core/ids.cc': '#include "observability/log.h"\n'})
        problems = check_layers.check(root)
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(any('store/store.cc:1' in p and 'runtime/' in p for p in problems))
        self.assertTrue(any('core/ids.cc:1' in p for p in problems))

    def test_a_backend_including_the_other_backend_fails(self):
        root = self.tree({'store/sqlite/a.cc': '#include "store/postgres/pg_queries.h"\n',
                          'store/postgres/b.cc': '#include "store/sqlite/sqlite_store.h"\n'})
        self.assertEqual(len(check_layers.check(root)), 2)

    def test_owned_system_headers_outside_their_folder_fail(self):
        root = self.tree({'webhooks/sender.cc': '#include <curl/curl.h>\n',
                          'runtime/x.cc': '#include <sqlite3.h>\n',
                          'store/sqlite/y.cc': '#include <libpq-fe.h>\n'})
        problems = check_layers.check(root)
        self.assertEqual(len(problems), 3, problems)
        self.assertTrue(all('only' in p for p in problems))

    def test_a_folder_missing_from_the_map_fails(self):
        root = self.tree({'misc/x.cc': '#include "core/status.h"\n'})
        self.assertIn('not in the layer map', check_layers.check(root)[0])


if __name__ == '__main__':
    unittest.main()
