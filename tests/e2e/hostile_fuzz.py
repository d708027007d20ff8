"""Hostile reproductions of what the libFuzzer harnesses (fuzz/) found, against the real binary.

Imported by tests/e2e/test_hostile_client.py; run alone with
    cd tests/e2e && CONVEYOR_BIN=../../build/conveyor python3 -m unittest -v hostile_fuzz

While each attack runs, a /health prober checks that the server keeps answering others within
PROBE_BOUND_S. Every loop is bounded in count and time; only 127.0.0.1 traffic.
"""
import time
import unittest

from conveyor_harness import HealthProber, ServerTestCase, slow

PROBE_BOUND_S = 5.0


class FuzzFoundRegexTest(ServerTestCase):
    """fuzz/regressions/csv_rules/regcomp-oom-stacked-plus: a rule-set pattern of one atom and
    stacked '+' made glibc's regcomp run for seconds and exhaust memory (a release build crashed
    with SIGSEGV after 29 s) while the submit was validated on the HTTP I/O thread."""

    SERVER_ARGS = {"workers": 0}

    def submit_pattern(self, pattern):
        spec = {"type": "csv.validate", "payload": {
            "input_uri": "https://example.com/in.csv",
            "ruleset": {"columns": [{"name": "sku", "type": "regex", "pattern": pattern}]}}}
        return self.server.request("POST", "/api/v1/jobs", spec, timeout=10.0)

    def test_stacked_plus_pattern_is_judged_quickly_and_others_are_served(self):
        with HealthProber(self.server) as prober:
            time.sleep(0.5)  # a few probes before the attack
            started = time.monotonic()
            try:
                resp = self.submit_pattern("x?" + "+" * 24)
            except OSError as e:  # TimeoutError included
                self.fail(f"the submit got no answer ({e!r}): the pattern is still compiled "
                          f"unbounded on the request path; probes late or failed: {prober.failures}")
            took = time.monotonic() - started
            time.sleep(0.5)
        # RE2 reads x?+++… as x* (a valid pattern, so 201); a refusal would be a 422 naming it.
        if resp.status == 422:
            self.must_problem(resp, 422, detail_contains="payload.ruleset.columns[0].pattern")
        else:
            self.must_status(resp, 201)
        self.assertLess(took, 5.0 * slow(), "judging the pattern must not take seconds")
        self.assertGreater(prober.answered, 0)
        self.assertEqual(prober.failures, [], "/health went unanswered while the pattern was judged")
        self.server.check_alive()

    def test_ordinary_pattern_is_still_accepted(self):
        resp = self.submit_pattern("[A-Z]{3}-[0-9]+")
        self.must_status(resp, 201, 202)


if __name__ == "__main__":
    unittest.main()
