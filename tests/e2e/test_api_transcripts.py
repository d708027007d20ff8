"""scripts/api_transcripts.py: the pieces that decide what docs/api.md shows, and a full replay of
the page against the binary under test (every request block must still be answerable)."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

import conveyor_harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "api_transcripts.py")


def load_script():
    spec = importlib.util.spec_from_file_location("api_transcripts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


T = load_script()


class TranscriptRendering(unittest.TestCase):
    def test_numbers_are_shown_as_the_server_wrote_them(self):
        # A re-indenting that went through float() would hide 6.25E0 or turn 14.0 into 14.
        value = T.parse_json('{"a": 6.25E0, "b": 14.0, "c": 1795330753751751}')
        self.assertEqual(T.one_line(value), '{"a": 6.25E0, "b": 14.0, "c": 1795330753751751}')

    def test_small_nested_containers_stay_on_one_line(self):
        value = T.parse_json('{"id": "x", "payload": {"data": [1, 2, 3]}, "tags": []}')
        self.assertEqual(T.pretty(value),
                         '{\n  "id": "x",\n  "payload": {"data": [1, 2, 3]},\n  "tags": []\n}')
        self.assertEqual(T.pretty(T.parse_json('{"status": "ok"}')), '{"status": "ok"}')

    def test_elided_header_and_body_are_expanded(self):
        head, body = T.expand_request("GET /health HTTP/1.1\nX-Big: hhhh… (20 characters)\n", 9)
        self.assertIn(b"X-Big: " + b"h" * 20 + b"\r\n", head)
        self.assertIn(b"Host: 127.0.0.1:9\r\n", head)
        head, body = T.expand_request(
            "POST /jobs HTTP/1.1\nContent-Length: 50\n\nxxxx…\n", 9)
        self.assertEqual(body, b"x" * 50)

    def test_page_ids_map_to_live_ids_by_place(self):
        replay = T.Replay.__new__(T.Replay)
        replay.ids = {}
        old = T.parse_json('{"jobs": [{"id": "01a2020d-3ed6-7119-8f23-b11784e040ca", '
                           '"lease_token": "66ac4ff8720887832fd0bae8b24fa86d"}]}')
        new = T.parse_json('{"jobs": [{"id": "01a30000-0000-7000-8000-000000000001", '
                           '"lease_token": "00000000000000000000000000000001"}]}')
        replay.learn(old, new)
        self.assertEqual(replay.rename("POST /jobs/01a2020d-3ed6-7119-8f23-b11784e040ca/complete "
                                       "66ac4ff8720887832fd0bae8b24fa86d"),
                         "POST /jobs/01a30000-0000-7000-8000-000000000001/complete "
                         "00000000000000000000000000000001")

    def test_a_request_block_pairs_with_the_answer_right_after_it(self):
        lines = ["<!-- transcript: wait X SUCCEEDED -->", "```http", "GET /health HTTP/1.1", "```",
                 "```http", "HTTP/1.1 200 OK", "```"]
        blocks = T.parse_page(lines)
        self.assertTrue(blocks[0].is_request())
        self.assertEqual(blocks[0].directives, ["wait X SUCCEEDED"])
        self.assertTrue(blocks[1].is_response())
        self.assertTrue(T.adjacent(lines, blocks[0], blocks[1]))


class ApiPageReplay(unittest.TestCase):
    def test_every_request_in_api_md_replays_against_the_binary(self):
        binary = conveyor_harness.binary()
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "api.md")
            run = subprocess.run([sys.executable, SCRIPT, "--bin", binary, "--out", out],
                                 capture_output=True, text=True,
                                 timeout=300 * conveyor_harness.slow())
            self.assertEqual(run.returncode, 0, run.stderr[-3000:])
            with open(out, encoding="utf-8") as f:
                page = f.read()
        self.assertNotIn("HTTP/1.1 500", page)
        self.assertNotIn("a response without a request", run.stderr)


if __name__ == "__main__":
    unittest.main()
