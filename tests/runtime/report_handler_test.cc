// report.generate on a real SQLite store: counts, percentiles, failure reasons and the period
// (jobs written straight into the store with known times, more than one JobList page), then the
// whole path through the worker pool: artifacts on disk and result_ref stored with the job.
#include "handlers/report_handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/ids.h"
#include "core/time_format.h"
#include "handlers/test_context.h"
#include "runtime/runtime_fixture.h"

namespace conveyor {
namespace {

namespace json = boost::json;

constexpr TimeMs kNow = 1'790'000'000'000;
constexpr TimeMs kHour = 3600 * 1000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReportHandlerTest : public RuntimeFixture {
 protected:
  // A terminal job created at `created`, started `wait` ms later, running `run` ms.
  Job Finished(TimeMs created, JobState state, std::string type, TimeMs wait, TimeMs run,
               std::string error = "") {
    Job j;
    j.id = NewUuidV7(created);
    j.type = std::move(type);
    j.state = state;
    j.run_at = j.created_at = j.updated_at = created;
    j.started_at = created + wait;
    j.finished_at = created + wait + run;
    if (!error.empty()) j.error = error;
    j.request_hash = j.id;
    return j;
  }

  void MustInsert(std::vector<Job> jobs) {
    Result<std::vector<InsertOutcome>> r = store_->JobInsertMany({.jobs = std::move(jobs), .now = kNow});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  Result<std::string> RunReport(const std::string& payload, TestContext& ctx) {
    ManualClock clock(kNow);
    ReportHandler handler(*store_, clock);
    EXPECT_TRUE(handler.ValidatePayload(json::parse(payload)).ok()) << payload;
    ctx.artifact_root = dir_ + "/artifacts";
    return handler.Run(ctx);
  }
};

TEST_F(ReportHandlerTest, CountsPercentilesAndFailuresOverThePeriodAcrossPages) {
  // In insertion order, as the store lists them: an old job, the period, one after `until`.
  std::vector<Job> jobs = {Finished(kNow - 30 * kHour, JobState::kFailed, "noop", 1, 1, "too old")};
  // 2,400 jobs in the last 24 h: waits 1..2400 ms, runs 10x that; every 100th failed.
  for (int i = 1; i <= 2400; ++i) {
    const bool failed = i % 100 == 0;
    jobs.push_back(Finished(kNow - 20 * kHour + i * 1000, failed ? JobState::kFailed : JobState::kSucceeded,
                            i % 3 == 0 ? "email.send" : "noop", i, 10 * i,
                            failed ? (i % 200 == 0 ? "SMTP timeout" : "bad address") : ""));
  }
  jobs.push_back(Finished(kNow + kHour, JobState::kSucceeded, "noop", 1, 1));  // after `until`
  MustInsert(std::move(jobs));

  TestContext ctx("{}");
  Result<std::string> r = RunReport("{}", ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ctx.result_ref, "report.json");
  const std::string out = dir_ + "/artifacts/" + ctx.job().id;
  json::object report = json::parse(ReadFile(out + "/report.json")).as_object();
  EXPECT_EQ(report["jobs"], 2400);
  EXPECT_EQ(report["since"].as_string(), FormatRfc3339(kNow - 24 * kHour));
  EXPECT_EQ(report["by_state"].as_object()["SUCCEEDED"], 2376);
  EXPECT_EQ(report["by_state"].as_object()["FAILED"], 24);
  EXPECT_EQ(report["by_type"].as_object()["email.send"], 800);
  EXPECT_EQ(report["by_queue"].as_object()["default"], 2400);
  json::object wait = report["wait_ms"].as_object();
  EXPECT_EQ(wait["count"], 2400);
  EXPECT_EQ(wait["p50"], 1200);
  EXPECT_EQ(wait["p90"], 2160);
  EXPECT_EQ(wait["p99"], 2376);
  EXPECT_EQ(wait["max"], 2400);
  EXPECT_EQ(report["duration_ms"].as_object()["p50"], 12000);
  json::array failures = report["top_failures"].as_array();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].as_object()["error"], "SMTP timeout");  // 12 each: the order is stable
  EXPECT_EQ(failures[0].as_object()["count"], 12);
  EXPECT_EQ(failures[1].as_object()["error"], "bad address");

  const std::string csv = ReadFile(out + "/report.csv");
  EXPECT_EQ(csv.rfind("section,key,value\n", 0), 0u);
  EXPECT_NE(csv.find("summary,jobs,2400\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("state,FAILED,24\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("wait_ms,p90,2160\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("failure,SMTP timeout,12\n"), std::string::npos) << csv;
  json::object result = json::parse(*r).as_object();
  EXPECT_EQ(result["jobs"], 2400);
  EXPECT_EQ(result["artifact"], "report.json");
}

TEST_F(ReportHandlerTest, ExplicitPeriodAndCsvFirst) {
  MustInsert({Finished(kNow - 30 * kHour, JobState::kFailed, "noop", 5, 5, "old"),
              Finished(kNow - 2 * kHour, JobState::kSucceeded, "noop", 5, 5)});
  const std::string payload = R"({"since": ")" + FormatRfc3339(kNow - 48 * kHour) +
                              R"(", "until": ")" + FormatRfc3339(kNow - 3 * kHour) +
                              R"(", "format": "csv"})";
  TestContext with_payload(payload);
  Result<std::string> r = RunReport(payload, with_payload);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(with_payload.result_ref, "report.csv");
  json::object result = json::parse(*r).as_object();
  EXPECT_EQ(result["jobs"], 1);
  EXPECT_EQ(result["by_state"].as_object()["FAILED"], 1);
}

TEST_F(ReportHandlerTest, PayloadErrorsNameTheField) {
  ManualClock clock(kNow);
  ReportHandler handler(*store_, clock);
  const std::pair<const char*, const char*> cases[] = {
      {R"({"since": "yesterday"})", "payload.since must be an RFC 3339 time"},
      {R"({"until": 5})", "payload.until"},
      {R"({"format": "pdf"})", "payload.format"},
      {R"({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"})", "after"},
      {R"([])", "payload must be an object"}};
  for (const auto& [payload, expected] : cases) {
    Status s = handler.ValidatePayload(json::parse(payload));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << payload;
    EXPECT_NE(s.message().find(expected), std::string::npos) << payload << " → " << s.message();
  }
}

TEST_F(ReportHandlerTest, CancelledBeforeTheScanEnds) {
  TestContext ctx("{}");
  ctx.cancelled = true;
  Result<std::string> r = RunReport("{}", ctx);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

TEST_F(ReportHandlerTest, ThroughTheWorkerPoolTheResultRefPointsAtTheArtifact) {
  registry_.Register(std::make_unique<ReportHandler>(*store_, *SystemClock::Default()));
  config_.artifact_dir = dir_ + "/artifacts";
  StartRuntime();
  const Job ok = MustSubmit(Spec("noop", "{}"));
  const Job bad = MustSubmit(Spec("fail", R"({"retryable": false, "message": "boom"})"));
  WaitForState(ok.id, JobState::kSucceeded);
  WaitForState(bad.id, JobState::kFailed);
  // An explicit period: a worker may start the report in the very millisecond it was submitted,
  // and the default period [now - 24 h, now) would then leave the report itself out.
  const Job report = MustSubmit(Spec(
      "report.generate", R"({"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"})"));
  const Job done = WaitForState(report.id, JobState::kSucceeded);
  ASSERT_TRUE(done.result_ref.has_value());
  EXPECT_EQ(*done.result_ref, report.id + "/report.json");
  json::object file = json::parse(ReadFile(config_.artifact_dir + "/" + *done.result_ref)).as_object();
  EXPECT_EQ(file["by_type"].as_object()["noop"], 1);
  EXPECT_EQ(file["by_state"].as_object()["RUNNING"], 1);  // the report itself
  EXPECT_EQ(file["top_failures"].as_array().at(0).as_object()["error"], "boom");
  EXPECT_TRUE(std::filesystem::exists(config_.artifact_dir + "/" + report.id + "/report.csv"));

  // A job that makes no artifact has no result_ref.
  EXPECT_FALSE(MustGet(ok.id).result_ref.has_value());
}

}  // namespace
}  // namespace conveyor
