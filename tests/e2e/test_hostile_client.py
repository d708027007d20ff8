"""The hostile client: issue 8's reproductions of a wedged submit path (1), a local file read (2), a
one-request regex freeze (3), SSRF (4), unbounded memory and stalls (6), connection exhaustion (7),
head-of-line claims (8) and the long-poll herd (9), each run against the real binary while a
prober checks that the server keeps answering everybody else.

Each finding's cases live in a `hostile_<topic>.py` module beside this file (named so that CTest
does not run them twice); this file gathers them into one suite:

    cd tests/e2e && CONVEYOR_BIN=../../build/conveyor python3 -m unittest -v test_hostile_client
"""

from hostile_store import *  # noqa: F401,F403  finding 1 (wedge) and 10 (/ready)
from hostile_csvin import *  # noqa: F401,F403  findings 2 (local files) and 3 (regex)
from hostile_ssrf import *  # noqa: F401,F403  finding 4 (SSRF)
from hostile_http import *  # noqa: F401,F403  findings 6 (memory, stalls), 7 (connections), 11
from hostile_fuzz import *  # noqa: F401,F403  what the fuzzers found (regcomp froze the I/O thread)
from hostile_claims import *  # noqa: F401,F403  findings 8 (head-of-line) and 9 (herd)
from hostile_uniq import *  # noqa: F401,F403  issue 11: racing takeovers of an expired key
from hostile_deps import *  # noqa: F401,F403  issue 11: long chains, bad dependency graphs
from hostile_cron import *  # noqa: F401,F403  issue 11: many schedules, hostile fields

if __name__ == "__main__":
    import unittest
    unittest.main()
