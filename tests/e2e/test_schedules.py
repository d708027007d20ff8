"""Cron schedules through real HTTP (docs/scheduling.md).

- A `* * * * * *` (seconds) schedule fires about once per second, and each tick has exactly one
  job (its idempotency key is the tick); DELETE stops it.
- Bad input: 422 naming the field (cron, timezone, job.<field>), 409 for a name in use.
- Catch-up after a restart: ticks missed while the server was down fire at most once (the most
  recent one), not one job per missed second.
- Two nodes on one PostgreSQL database: every tick once across both, also when the leader stops.
While the schedules run, a /health prober checks the server keeps answering within 5 s.
"""

import json
import subprocess
import threading
import time
import unittest

from conveyor_harness import PostgresServerTestCase, ServerTestCase, binary, slow

SCHEDULES = "/api/v1/schedules"


class HealthProber:
    """Probes /health every 100 ms on a fresh connection; records answers slower than 5 s."""

    def __init__(self, server):
        self.server, self.failures, self.count = server, [], 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_event.wait(0.1):
            started = time.monotonic()
            try:
                status = self.server.request("GET", "/health", timeout=5).status
            except Exception as e:  # noqa: BLE001 - any failure is what we record
                status = repr(e)
            self.count += 1
            if status != 200 or time.monotonic() - started > 5 * slow():
                self.failures.append(status)

    def stop(self):
        self.stop_event.set()
        self.thread.join(10)
        return self.failures


def tick_jobs(server, name):
    """The jobs of schedule `name`: {tick ms: [job ids]}, read from the job list."""
    prefix = "schedule:%s:" % name
    ticks = {}
    cursor = None
    for _ in range(20):  # at most 20 pages of 1000
        path = "/api/v1/jobs?limit=1000" + ("&cursor=" + cursor if cursor else "")
        body = server.request("GET", path, timeout=30).body
        for job in body["jobs"]:
            key = job.get("idempotency_key") or ""
            if key.startswith(prefix):
                ticks.setdefault(int(key[len(prefix):]), []).append(job["id"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return ticks


class SchedulesTest(ServerTestCase):
    SERVER_ARGS = {"workers": 2}

    def create(self, server, name, cron="* * * * * *", **extra):
        body = {"name": name, "cron": cron, "job": {"type": "noop", "payload": {"n": name}}}
        body.update(extra)
        return self.must_json(server.request("POST", SCHEDULES, body), 201)

    def test_every_second_schedule_fires_each_tick_once_and_delete_stops_it(self):
        prober = HealthProber(self.server)
        created = self.create(self.server, "every-second", timezone="Europe/Berlin")
        self.assertEqual(len(created["next_runs"]), 5)
        self.assertTrue(created["next_runs"][0]["local"].endswith(("+01:00", "+02:00")))
        time.sleep(4.5)
        ticks = tick_jobs(self.server, "every-second")
        # About once per second: generous bounds, the machine is noisy.
        self.assertGreaterEqual(len(ticks), 2, ticks)
        self.assertLessEqual(len(ticks), 7, ticks)
        for tick, ids in ticks.items():
            self.assertEqual(len(ids), 1, "tick %d has jobs %s" % (tick, ids))
            self.assertEqual(tick % 1000, 0, "ticks fall on whole seconds")
        got = self.must_json(self.server.request("GET", SCHEDULES + "/every-second"), 200)
        self.assertIsNotNone(got["last_run_at"])
        self.must_json(self.server.request("DELETE", SCHEDULES + "/every-second"), 200)
        time.sleep(1.0)  # a pass that read the row before the DELETE may still finish
        after_delete = len(tick_jobs(self.server, "every-second"))
        time.sleep(2.5)
        self.assertEqual(len(tick_jobs(self.server, "every-second")), after_delete,
                         "a deleted schedule must not fire")
        self.assertEqual(prober.stop(), [], "/health must answer within 5 s throughout")
        self.must_problem(self.server.request("GET", SCHEDULES + "/every-second"), 404)

    def test_paused_schedule_fires_nothing_until_resumed(self):
        self.create(self.server, "paused-one", paused=True)
        time.sleep(2.0)
        self.assertEqual(tick_jobs(self.server, "paused-one"), {})
        r = self.server.request("PATCH", SCHEDULES + "/paused-one", {"paused": False})
        self.assertFalse(self.must_json(r, 200)["paused"])
        self.server.wait_until(lambda: tick_jobs(self.server, "paused-one"), 10, "a tick's job")
        self.must_json(self.server.request("DELETE", SCHEDULES + "/paused-one"), 200)

    def test_bad_input_is_422_naming_the_field(self):
        job = {"type": "noop"}
        cases = [
            ({"name": "b", "cron": "* 24 * * *", "job": job}, "hour"),
            ({"name": "b", "cron": "* * * *", "job": job}, "cron"),
            ({"name": "b", "cron": "@every5m", "job": job}, "cron"),
            ({"name": "b", "cron": "* * * * *", "timezone": "Moon/Tranquility", "job": job},
             "timezone"),
            ({"name": "b", "cron": "* * * * *", "job": {"type": "noop", "priority": 42}},
             "job.priority"),
            ({"name": "b", "cron": "* * * * *", "job": {"type": "no.such.type"}}, "job.type"),
            ({"name": "b", "cron": "* * * * *", "job": "noop"}, "job"),
            ({"name": "b", "cron": "* * * * *", "job": job, "catchup": 1}, "catchup"),
            ({"name": "b", "cron": "* * * * *", "job": job, "catch_up": "all"}, "catch_up"),
            ({"name": "", "cron": "* * * * *", "job": job}, "name"),
            ({"name": "b", "cron": "x" * 300, "job": job}, "cron"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=body):
                self.must_problem(self.server.request("POST", SCHEDULES, body), 422,
                                  path=SCHEDULES, detail_contains=field)
        self.create(self.server, "dup", cron="@yearly")
        self.must_problem(self.server.request("POST", SCHEDULES,
                                              {"name": "dup", "cron": "@daily", "job": job}),
                          409, detail_contains="already exists")
        self.must_problem(self.server.request("PATCH", SCHEDULES + "/dup",
                                              {"timezone": "Nowhere/Else"}),
                          422, detail_contains="timezone")


class SchedulesCliTest(ServerTestCase):
    SERVER_ARGS = {"workers": 1}

    def cli(self, *args, rc=0):
        p = subprocess.run([binary(), "schedules", *args, "--url", self.server.base_url],
                           capture_output=True, text=True, timeout=30 * slow())
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def test_cli_adds_lists_pauses_resumes_and_removes(self):
        added = self.cli("add", "cli-nightly", "0 3 * * *", "noop", "--timezone",
                         "Europe/Berlin", "--payload", '{"k": 1}', "--priority", "2",
                         "--catch-up", "none")
        self.assertEqual(added["catch_up"], "none")
        self.assertEqual(added["job"], {"type": "noop", "payload": {"k": 1}, "priority": 2})
        self.assertTrue(added["next_runs"][0]["local"].endswith("T03:00:00+01:00")
                        or added["next_runs"][0]["local"].endswith("T03:00:00+02:00"))
        names = [s["name"] for s in self.cli()["schedules"]]
        self.assertIn("cli-nightly", names)
        self.assertTrue(self.cli("pause", "cli-nightly")["paused"])
        self.assertFalse(self.cli("resume", "cli-nightly")["paused"])
        self.assertEqual(self.cli("get", "cli-nightly")["cron"], "0 3 * * *")
        bad = self.cli("add", "cli-bad", "0 25 * * *", "noop", rc=1)
        self.assertIn("hour", bad["detail"])
        self.assertTrue(self.cli("rm", "cli-nightly")["deleted"])
        self.cli("rm", "cli-nightly", rc=1)


class SchedulesRestartTest(ServerTestCase):
    def test_restart_fires_at_most_the_latest_missed_tick(self):
        server = self.new_server(workers=1)
        self.must_json(server.request("POST", SCHEDULES, {
            "name": "catchup", "cron": "* * * * * *", "job": {"type": "noop"}}), 201)
        server.wait_until(lambda: tick_jobs(server, "catchup"), 10, "a first tick")
        server.stop()
        down_from = int(time.time() * 1000)
        time.sleep(5.0)
        server.start()
        up_at = int(time.time() * 1000)
        server.wait_until(lambda: any(t >= up_at - 1000 for t in tick_jobs(server, "catchup")),
                          10, "a tick after the restart")
        missed = [t for t in tick_jobs(server, "catchup") if down_from + 1000 < t < up_at - 1000]
        self.assertLessEqual(len(missed), 1,
                             "only the most recent missed tick may fire: %s" % missed)


class SchedulesPostgresTest(PostgresServerTestCase):

    def test_two_nodes_fire_each_tick_once_also_across_a_leader_stop(self):
        url = self.pg.create_database("schedules_two_nodes")
        a = self.new_server(workers=1, store=url)
        b = self.new_server(workers=1, store=url)
        prober = HealthProber(b)
        self.must_json(a.request("POST", SCHEDULES, {
            "name": "cluster", "cron": "* * * * * *", "job": {"type": "noop"}}), 201)
        time.sleep(3.0)
        leader = next((n for n in a.request("GET", "/api/v1/nodes").body["nodes"]
                       if n["leader"] and n["alive"]), None)
        # Stop whichever node leads (or `a`): the other takes the leadership over.
        a.stop()
        time.sleep(4.0)
        ticks = tick_jobs(b, "cluster")
        self.assertGreaterEqual(len(ticks), 3, ticks)
        for tick, ids in ticks.items():
            self.assertEqual(len(ids), 1, "tick %d has jobs %s" % (tick, ids))
        newest = max(ticks)
        self.assertGreater(newest, int(time.time() * 1000) - 3000,
                           "ticks must go on after a node stops (leader was %s)" % leader)
        self.assertEqual(prober.stop(), [], "/health must answer within 5 s throughout")


if __name__ == "__main__":
    unittest.main()
