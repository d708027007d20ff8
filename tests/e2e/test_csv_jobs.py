"""csv.validate, csv.correct and report.generate over HTTP against the real binary: submit, wait,
download the artifacts from GET /jobs/{id}/artifact, cancel a validation in the middle of a file
streamed slowly by a local HTTP server."""

import http.server
import json
import os
import shutil
import tempfile
import threading
import time
import unittest

from conveyor_harness import ServerTestCase, scaled

RULES = {"rulesets": {"products": {"columns": [
    {"name": "sku", "required": True, "unique": True, "type": "regex", "pattern": "[A-Z]{3}-[0-9]+"},
    {"name": "price", "type": "decimal", "min": 0},
    {"name": "released", "type": "date"},
    {"name": "status", "type": "enum", "values": ["active", "paused"]},
]}}}

CSV = ("sku,price,released,status\n"
       "ABC-1,12.50,2024-01-31,active\n"
       "ABC-2,\"1,5\",31/01/2024,ACTIVE\n"
       "bad,x,2024-02-30,gone\n"
       "ABC-1,1,2024-01-01,paused\n")


class SlowCsvHandler(http.server.BaseHTTPRequestHandler):
    """Announces a 1 GB CSV and sends it slowly, so a job reading it is still busy when the
    test cancels it."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        self.wfile.write(b"sku,price,released,status\n")
        row = b"ABC-1,1.00,2024-01-01,active\n" * 2000
        try:
            for _ in range(20000):
                self.wfile.write(row)
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the job was cancelled and hung up: what the test wants


class CsvJobsTest(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="conveyor-csv-e2e-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.rules_file = os.path.join(self.dir, "rules.json")
        with open(self.rules_file, "w") as f:
            json.dump(RULES, f)
        self.csv_path = os.path.join(self.dir, "products.csv")
        with open(self.csv_path, "w") as f:
            f.write(CSV)

    def csv_server(self):
        return self.new_server(workers=2, extra=["--rulesets-file", self.rules_file,
                                                 "--data-dir", os.path.join(self.dir, "data"),
                                                 "--input-dir", self.dir])

    def artifact(self, s, job_id, name=None):
        path = f"/api/v1/jobs/{job_id}/artifact" + (f"?name={name}" if name else "")
        return s.request("GET", path)

    def test_validate_writes_a_report_to_download(self):
        s = self.csv_server()
        job = self.must_submit(s, {"type": "csv.validate",
                                   "payload": {"input_uri": self.csv_path, "ruleset": "products"}})
        done = s.wait_for(job["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["result"]["rows"], 4)
        self.assertEqual(done["result"]["valid_rows"], 1)
        self.assertEqual(done["result"]["artifact"], "report.json")
        self.assertEqual(done["result_ref"], job["id"] + "/report.json")
        self.assertEqual(done["progress"], 100)

        r = self.artifact(s, job["id"])
        self.must_status(r, 200)
        self.assertTrue(r.content_type.startswith("application/json"), r)
        self.assertIn('filename="report.json"', r.headers.get("Content-Disposition", ""))
        report = r.body
        self.assertEqual(report["invalid_rows"], 3)
        rules = {(e["row"], e["column"], e["rule"]) for e in report["errors"]}
        self.assertIn((2, "price", "decimal"), rules)
        self.assertIn((3, "sku", "regex"), rules)
        self.assertIn((3, "released", "date"), rules)
        self.assertIn((3, "status", "enum"), rules)
        self.assertIn((4, "sku", "unique"), rules)

        self.must_problem(self.artifact(s, job["id"], "nope.csv"), 404, detail_contains="nope.csv")
        self.must_problem(self.artifact(s, job["id"], "..%2Fx"), 422, detail_contains="file name")

    def test_validate_with_auto_fix_and_correct_write_corrected_csv(self):
        s = self.csv_server()
        fixed = ("sku,price,released,status\n"
                 "ABC-1,12.50,2024-01-31,active\n"
                 "ABC-2,1.5,2024-01-31,active\n"
                 "bad,x,2024-02-30,gone\n"
                 "ABC-1,1,2024-01-01,paused\n")
        v = self.must_submit(s, {"type": "csv.validate", "payload": {
            "input_uri": "file://" + self.csv_path, "ruleset": "products", "auto_fix": True}})
        done = s.wait_for(v["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["result"]["valid_rows"], 2)
        self.assertEqual(self.artifact(s, v["id"], "corrected.csv").raw.decode(), fixed)

        c = self.must_submit(s, {"type": "csv.correct",
                                 "payload": {"input_uri": self.csv_path, "ruleset": "products"}})
        done = s.wait_for(c["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["result"]["fixes"],
                         {"decimal_separator": 1, "date_format": 1, "enum_case": 1})
        self.assertEqual(done["result_ref"], c["id"] + "/corrected.csv")
        r = self.artifact(s, c["id"])
        self.must_status(r, 200)
        self.assertTrue(r.content_type.startswith("text/csv"), r)
        self.assertIn('filename="corrected.csv"', r.headers.get("Content-Disposition", ""))
        self.assertEqual(r.raw.decode(), fixed)

    def test_bad_payloads_are_422_and_jobs_without_artifacts_404(self):
        s = self.csv_server()
        r = s.request("POST", "/api/v1/jobs", {"type": "csv.validate", "payload": {
            "input_uri": self.csv_path, "ruleset": "nope"}})
        self.must_problem(r, 422, detail_contains=["ruleset", "products"])
        r = s.request("POST", "/api/v1/jobs", {"type": "csv.validate", "payload": {
            "input_uri": "../../../../../../../../etc/data.csv", "ruleset": "products"}})
        self.must_problem(r, 422, detail_contains="input_uri")
        noop = self.must_submit(s, {"type": "noop", "payload": {}})
        s.wait_for(noop["id"], "SUCCEEDED", timeout=20)
        self.must_problem(self.artifact(s, noop["id"]), 404, detail_contains="no artifact")
        self.must_problem(self.artifact(s, "0192f0c1-8d3c-7abc-9def-0123456789ab"), 404)
        self.must_problem(self.artifact(s, "not-a-uuid"), 400)

    def test_missing_input_fails_without_retrying(self):
        s = self.csv_server()
        job = self.must_submit(s, {"type": "csv.validate", "payload": {
            "input_uri": os.path.join(self.dir, "missing.csv"), "ruleset": "products"}})
        done = s.wait_for(job["id"], "FAILED", timeout=30)
        self.assertEqual(done["attempt"], 1)
        self.assertIn("missing.csv", done["error"])

    def test_cancel_in_the_middle_of_a_streamed_file(self):
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowCsvHandler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        url = f"http://127.0.0.1:{httpd.server_address[1]}/big.csv"
        s = self.csv_server()
        job = self.must_submit(s, {"type": "csv.validate",
                                   "payload": {"input_uri": url, "ruleset": "products"}})
        s.wait_until(lambda: "rows" in (s.get_job(job["id"]).body.get("message") or ""), 30,
                     "a progress message with a row count")
        self.must_status(s.request("DELETE", f"/api/v1/jobs/{job['id']}"), 200, 202)
        done = s.wait_for(job["id"], "CANCELLED", timeout=30)
        self.assertIsNone(done["result_ref"])
        self.assertLess(done["progress"], 100)

    def test_report_generate_json_and_csv(self):
        s = self.csv_server()
        n = scaled(20, minimum=5)
        ids = [self.must_submit(s, {"type": "noop", "payload": {}})["id"] for _ in range(n)]
        failed = self.must_submit(s, {"type": "fail", "payload": {"retryable": False,
                                                                  "message": "disk on fire"}})
        for i in ids:
            s.wait_for(i, "SUCCEEDED", timeout=30)
        s.wait_for(failed["id"], "FAILED", timeout=30)
        rep = self.must_submit(s, {"type": "report.generate", "payload": {}})
        done = s.wait_for(rep["id"], "SUCCEEDED", timeout=30)
        self.assertEqual(done["result"]["artifacts"], ["report.json", "report.csv"])
        r = self.artifact(s, rep["id"])
        self.must_status(r, 200)
        self.assertEqual(r.body["by_type"]["noop"], n)
        self.assertEqual(r.body["by_state"]["FAILED"], 1)
        self.assertEqual(r.body["top_failures"][0], {"error": "disk on fire", "count": 1})
        self.assertEqual(r.body["duration_ms"]["count"], n + 1)
        c = self.artifact(s, rep["id"], "report.csv")
        self.must_status(c, 200)
        self.assertTrue(c.content_type.startswith("text/csv"), c)
        text = c.raw.decode()
        self.assertTrue(text.startswith("section,key,value\n"), text)
        self.assertIn(f"type,noop,{n}\n", text)
        self.assertIn("failure,disk on fire,1\n", text)


if __name__ == "__main__":
    unittest.main()
