"""Hostile clients of /schedules (imported by test_hostile_client.py; run alone with
`python3 -m unittest -v hostile_cron`).

- A flood of every-second schedules: the leader fires them all, each tick once, while /health
  keeps answering within 5 s and the API keeps taking other requests.
- Hostile input: oversized or odd fields, path tricks, wrong types, huge templates: always a 4xx
  problem, never a 5xx or a crash.
- Expensive expressions: the rarest ticks (Feb 29 on a weekday rule, once a year in a zone with
  DST) and every second across a fall-back overlap answer their preview promptly.
Every loop is bounded in count and time; traffic stays on 127.0.0.1.
"""

import time
import unittest

from conveyor_harness import ServerTestCase, slow
from test_schedules import HealthProber, tick_jobs

SCHEDULES = "/api/v1/schedules"


class HostileCronTest(ServerTestCase):
    SERVER_ARGS = {"workers": 2}

    def test_flood_of_every_second_schedules_keeps_the_server_serving(self):
        prober = HealthProber(self.server)
        n = 60
        for i in range(n):
            self.must_json(self.server.request("POST", SCHEDULES, {
                "name": "flood-%03d" % i, "cron": "* * * * * *", "job": {"type": "noop"}}), 201)
        time.sleep(3.0)
        # The API still takes other work while the ticks pour in.
        self.must_submit(self.server, {"type": "noop", "payload": {}})
        listed = self.must_json(self.server.request("GET", SCHEDULES + "?limit=1000"), 200)
        self.assertEqual(len(listed["schedules"]), n)
        for i in range(0, n, 15):
            ticks = tick_jobs(self.server, "flood-%03d" % i)
            self.assertGreaterEqual(len(ticks), 1, "flood-%03d never fired" % i)
            for tick, ids in ticks.items():
                self.assertEqual(len(ids), 1, "tick %d of flood-%03d: %s" % (tick, i, ids))
        for i in range(n):
            self.must_json(self.server.request("DELETE", SCHEDULES + "/flood-%03d" % i), 200)
        self.assertEqual(prober.stop(), [], "/health must answer within 5 s throughout")

    def test_hostile_input_is_a_4xx_problem_never_a_5xx(self):
        job = {"type": "noop"}
        bodies = [
            {"name": "n" * 129, "cron": "* * * * *", "job": job},
            {"name": "a/b", "cron": "* * * * *", "job": job},
            {"name": "a%00b", "cron": "* * * * *", "job": job},
            {"name": "x", "cron": "*/" + "9" * 40 + " * * * *", "job": job},
            {"name": "x", "cron": "1-" + "9" * 40 + " * * * *", "job": job},
            {"name": "x", "cron": ",".join(["1"] * 200), "job": job},
            {"name": "x", "cron": "* * * * *", "timezone": "../../../../etc/passwd", "job": job},
            {"name": "x", "cron": "* * * * *", "timezone": "A" * 10000, "job": job},
            {"name": "x", "cron": "* * * * *", "timezone": 7, "job": job},
            {"name": "x", "cron": "* * * * *", "job": {"type": "noop", "payload": "y" * 70000}},
            {"name": "x", "cron": "* * * * *", "job": {"type": "noop", "depends_on": ["a"]}},
            {"name": "x", "cron": "* * * * *", "job": job, "paused": "yes"},
            {"name": ["x"], "cron": "* * * * *", "job": job},
            {"name": "x", "cron": "\u00e9 * * * *", "job": job},
            {"name": "x", "cron": "* * * * *\x00", "job": job},
        ]
        for body in bodies:
            with self.subTest(body=str(body)[:80]):
                r = self.server.request("POST", SCHEDULES, body)
                self.assertIn(r.status, (400, 413, 422), r)
                self.must_problem(r, r.status)
        for path in ("/..%2F..%2Fetc", "/%ff%fe", "/" + "z" * 5000, "/a%2Fb"):
            with self.subTest(path=path):
                r = self.server.request("GET", SCHEDULES + path)
                self.assertIn(r.status, (400, 404, 414, 431), r)
        for raw in ("", "[]", "null", '{"name":', "\xff\xfe"):
            with self.subTest(raw=raw):
                r = self.server.request("POST", SCHEDULES, raw,
                                        headers={"Content-Type": "application/json"})
                self.assertIn(r.status, (400, 422), r)

    def test_rare_and_dst_heavy_expressions_preview_promptly(self):
        cases = [
            ("leap", "0 0 29 2 *", "UTC"),
            ("leap-or-monday", "0 0 29 2 MON", "America/New_York"),
            ("yearly-berlin", "@yearly", "Europe/Berlin"),
            ("fallback-seconds", "* * 1 * * *", "America/New_York"),
            ("sparse", "59 59 23 31 12 *", "Pacific/Kiritimati"),
        ]
        for name, cron, tz in cases:
            with self.subTest(name=name):
                started = time.monotonic()
                r = self.server.request("POST", SCHEDULES,
                                        {"name": name, "cron": cron, "timezone": tz,
                                         "job": {"type": "noop"}, "paused": True})
                body = self.must_json(r, 201)
                self.assertEqual(len(body["next_runs"]), 5, body)
                self.assertLess(time.monotonic() - started, 5 * slow(), "preview took too long")


if __name__ == "__main__":
    unittest.main()
