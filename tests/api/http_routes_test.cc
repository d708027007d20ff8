// Every route of the contract against a real server, store and worker pool.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "api/list_request.h"
#include "api_fixture.h"
#include "core/ids.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;
using RoutesTest = ApiFixture;

TEST_F(RoutesTest, HealthReadyAndStats) {
  Reply r = client().Get("/health");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  r = client().Get("/api/v1/ready");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json().at("status").as_string(), "ready");

  MustSubmit(R"({"type":"noop","run_at":"2099-01-01T00:00:00Z"})");
  r = client().Get("/api/v1/admin/stats");
  ASSERT_EQ(r.status, 200u);
  const json::object stats = r.Json().as_object();
  EXPECT_EQ(stats.at("status_breakdown").at("SCHEDULED").as_int64(), 1);
  EXPECT_EQ(stats.at("status_breakdown").at("EXPIRED").as_int64(), 0);
  EXPECT_GE(stats.at("total").as_int64(), 1);
  EXPECT_TRUE(stats.at("workers").as_object().contains("completed"));
}

TEST_F(RoutesTest, AdminStatsShowTypesAverageAttemptsAndRecentFailures) {
  const std::string id =
      MustSubmit(R"({"type":"fail","payload":{"times":10,"message":"no"},"max_attempts":2})");
  WaitForStatus(id, "FAILED");
  MustSubmit(R"({"type":"noop","run_at":"2099-01-01T00:00:00Z"})");
  Reply r = client().Get("/admin/stats");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::object stats = r.Json().as_object();
  EXPECT_EQ(stats.at("type_breakdown").at("fail").as_int64(), 1);
  EXPECT_EQ(stats.at("type_breakdown").at("noop").as_int64(), 1);
  EXPECT_NE(r.body.find(R"("avg_attempts_for_failed_jobs":2.0)"), std::string::npos) << r.body;
  const json::array& failures = stats.at("recent_failures").as_array();
  ASSERT_EQ(failures.size(), 1u) << r.body;
  EXPECT_EQ(failures[0].at("job_id").as_string(), id);
  EXPECT_EQ(failures[0].at("type").as_string(), "fail");
  EXPECT_EQ(failures[0].at("attempts").as_int64(), 2);
  EXPECT_TRUE(failures[0].at("failed_at").is_string());
  EXPECT_FALSE(failures[0].at("error").as_string().empty());
  EXPECT_EQ(stats.at("status_breakdown").at("FAILED").as_int64(), 1);
  EXPECT_EQ(stats.at("total").as_int64(), 2);
}

TEST_F(RoutesTest, SubmitRunsAndReportsStatusResultAndEvents) {
  Reply r = client().Post("/api/v1/jobs/", R"({"data":[1,2,3],"operation":"square_sum"})");
  ASSERT_EQ(r.status, 201u) << r.body;
  const json::object job = r.Json().as_object();
  const std::string id(job.at("id").as_string());
  EXPECT_TRUE(IsValidUuid(id));
  EXPECT_EQ(job.at("job_id"), job.at("id"));
  EXPECT_EQ(job.at("type").as_string(), "square_sum");
  EXPECT_TRUE(job.at("is_new").as_bool());
  EXPECT_EQ(r.Header("Location"), "/api/v1/jobs/" + id);

  // {operation, data} under /api/v1 is seed 001's: its words on every answer.
  WaitForStatus(id, "SUCCESS");
  r = client().Get("/jobs/" + id + "/status");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json().at("status").as_string(), "SUCCESS");
  EXPECT_FALSE(r.Json().at("finished_at").is_null());

  r = client().Get("/api/v1/jobs/" + id + "/result");
  ASSERT_EQ(r.status, 200u);
  EXPECT_FALSE(r.Json().at("result").is_null()) << r.body;
  EXPECT_NE(r.body.find("14"), std::string::npos) << r.body;

  r = client().Get("/api/v1/jobs/" + id + "/events");
  ASSERT_EQ(r.status, 200u);
  const json::array events = r.Json().at("events").as_array();
  ASSERT_GE(events.size(), 3u);
  EXPECT_TRUE(events.front().at("from").is_null());
  EXPECT_EQ(events.back().at("to").as_string(), "SUCCESS");
  // Asked for, Conveyor's own words.
  r = client().Get("/api/v1/jobs/" + id + "/events?dialect=succeeded");
  EXPECT_EQ(r.Json().at("events").as_array().back().at("to").as_string(), "SUCCEEDED");
}

TEST_F(RoutesTest, AllFourSeedShapesAreAccepted) {
  EXPECT_EQ(client().Post("/jobs", R"({"type":"noop","payload":{}})").status, 201u);
  // {task, params} is seed 003's, whose API answers 202 Accepted.
  EXPECT_EQ(client().Post("/jobs", R"({"task":"noop","params":{"a":1},"plan":"pro"})").status,
            202u);
  EXPECT_EQ(client().Post("/jobs/", R"({"operation":"cube_sum","data":[2]})").status, 201u);
  // document.pipeline is accepted whether a built-in handler or an external worker runs it.
  Reply r = client().Post("/jobs", R"({"doc_id":"d-1","payload":{"k":"v"},
      "webhook_url":"http://localhost:8000/webhook-receiver"})");
  EXPECT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json().at("idempotency_key").as_string(), "d-1");
}

TEST_F(RoutesTest, IdempotentReplayReturnsTheOriginalAndReuseIsAConflict) {
  const std::string body = R"({"type":"noop","run_at":"2099-01-01T00:00:00Z"})";
  Reply first = client().Post("/jobs", body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201u) << first.body;
  Reply again = client().Post("/jobs", body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json().at("id"), first.Json().at("id"));
  EXPECT_FALSE(again.Json().at("is_new").as_bool());
  Reply other =
      client().Post("/jobs", R"({"type":"noop","priority":1})", {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(other.status, 409u) << other.body;
  EXPECT_TRUE(other.IsProblem());
}

TEST_F(RoutesTest, BatchIsAllOrNothing) {
  Reply r = client().Post("/api/v1/jobs/batch",
                          R"({"jobs":[{"type":"noop"},{"operation":"square_sum","data":[1]}]})");
  ASSERT_EQ(r.status, 201u) << r.body;
  const json::array jobs = r.Json().at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_TRUE(jobs[0].at("is_new").as_bool());
  EXPECT_EQ(jobs[1].at("type").as_string(), "square_sum");

  const int64_t before = client().Get("/admin/stats").Json().at("total").as_int64();
  r = client().Post("/jobs/batch", R"([{"type":"noop"},{"operation":"square_sum","data":["x"]}])");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_NE(r.body.find("jobs[1]"), std::string::npos) << r.body;
  EXPECT_EQ(client().Get("/admin/stats").Json().at("total").as_int64(), before);
}

TEST_F(RoutesTest, ListFiltersAndPagesWithACursor) {
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.insert(MustSubmit(R"({"type":"noop","queue":"listq","run_at":"2099-01-01T00:00:00Z"})"));
  }
  Reply r = client().Get("/api/v1/jobs?queue=listq&limit=2&status=scheduled");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object page = r.Json().as_object();
  EXPECT_EQ(page.at("limit").as_int64(), 2);
  ASSERT_EQ(page.at("jobs").as_array().size(), 2u);
  ASSERT_TRUE(page.at("next_cursor").is_string());
  std::set<std::string> seen;
  for (const auto& j : page.at("jobs").as_array()) seen.insert(std::string(j.at("id").as_string()));
  r = client().Get("/jobs/?queue=listq&limit=2&cursor=" +
                   std::string(page.at("next_cursor").as_string()));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value rest = r.Json();
  for (const auto& j : rest.at("jobs").as_array()) seen.insert(std::string(j.at("id").as_string()));
  EXPECT_EQ(seen, ids);
}

class BigJobsTest : public ApiFixture {
 protected:
  void ConfigureServer(ServerConfig& c) override { c.max_body_bytes = 2 << 20; }
};

TEST_F(BigJobsTest, ListOfBigJobsIsClippedByBytesAndContinuesByCursor) {
  // 6 scheduled jobs of ~900 KB each: 1000 of them would be a ~1 GB answer.
  const std::string big(900'000, 'x');
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.insert(MustSubmit(R"({"type":"noop","queue":"bigq","run_at":"2099-01-01T00:00:00Z",)"
                          R"("payload":{"blob":")" +
                          big + R"("}})"));
  }
  std::set<std::string> seen;
  std::string cursor;
  for (int pages = 0; pages < 10 && seen.size() < ids.size(); ++pages) {
    Reply r =
        client().Get("/jobs?queue=bigq&limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200u) << r.body.substr(0, 300);
    EXPECT_LT(r.body.size(), kMaxListPageBytes + 1'000'000u) << "one job past the cap at most";
    const json::value page = r.Json();
    for (const auto& j : page.at("jobs").as_array())
      seen.insert(std::string(j.at("id").as_string()));
    if (!page.at("next_cursor").is_string()) break;
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, ids) << "every job is reached by following next_cursor";
}

TEST_F(RoutesTest, LargeArtifactIsStreamedWhole) {
  // 20 MB, more than any single write: the session sends it in chunks from the file.
  const std::string id = MustSubmit(R"({"type":"noop"})");
  const std::string dir = dir_ + "/artifacts/" + id;
  std::filesystem::create_directories(dir);
  std::string content(20 << 20, 'a');
  for (size_t i = 0; i < content.size(); i += 4093) content[i] = static_cast<char>('a' + i % 26);
  { std::ofstream(dir + "/big.csv", std::ios::binary) << content; }
  Reply r = client().Get("/jobs/" + id + "/artifact?name=big.csv");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.body.size(), content.size());
  EXPECT_TRUE(r.body == content) << "the bytes arrive unchanged and in order";
  EXPECT_EQ(client().Get("/health").status, 200u) << "the connection stays usable";
  EXPECT_EQ(client().Get("/jobs/" + id + "/artifact?name=none.csv").status, 404u);
}

TEST_F(RoutesTest, CancelThenRetry) {
  const std::string id = MustSubmit(R"({"type":"noop","run_at":"2099-01-01T00:00:00Z"})");
  Reply r = client().Post("/jobs/" + id + "/retry", "");
  EXPECT_EQ(r.status, 409u) << r.body;  // only FAILED, CANCELLED, EXPIRED can be retried

  r = client().Delete("/api/v1/jobs/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "CANCELLED");
  r = client().Delete("/api/v1/jobs/" + id);
  EXPECT_EQ(r.status, 409u) << r.body;
  EXPECT_TRUE(r.IsProblem());

  r = client().Post("/api/v1/jobs/" + id + "/retry", "");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("attempt").as_int64(), 0);
}

TEST_F(RoutesTest, CancelOfARunningJobIsRequestedThenHonoured) {
  const std::string id = MustSubmit(R"({"type":"sleep","payload":{"seconds":30}})");
  WaitForStatus(id, "RUNNING");
  Reply r = client().Delete("/jobs/" + id);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.Json().at("cancel_requested").as_bool());
  WaitForStatus(id, "CANCELLED");
}

TEST_F(RoutesTest, CorrelationIdIsEchoedGeneratedAndStored) {
  Reply r = client().Post("/jobs", R"({"type":"noop"})", {{"X-Correlation-Id", "req-123"}});
  ASSERT_EQ(r.status, 201u);
  EXPECT_EQ(r.Header("X-Correlation-Id"), "req-123");
  EXPECT_EQ(r.Json().at("correlation_id").as_string(), "req-123");

  r = client().Get("/health");
  EXPECT_TRUE(IsValidUuid(r.Header("X-Correlation-Id"))) << r.Header("X-Correlation-Id");
  r = client().Get("/nowhere", {{"X-Correlation-Id", "err-1"}});
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.Header("X-Correlation-Id"), "err-1");
}

TEST_F(RoutesTest, ConcurrentSubmitsOnManyConnectionsAllSucceed) {
  constexpr int kThreads = 8, kPerThread = 25;
  std::vector<std::set<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient c(port());
      for (int i = 0; i < kPerThread; ++i) {
        Reply r = c.Post("/jobs", R"({"type":"noop"})");
        if (r.status == 201) ids[t].insert(std::string(r.Json().at("id").as_string()));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& s : ids) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace conveyor::api::testing
