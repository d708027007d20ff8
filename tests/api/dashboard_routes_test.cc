// The routes the dashboard's actions need, over real HTTP on a real SQLite store: POST
// /jobs/bulk (cancel and retry many, one answer per id, another tenant's job as a missing one)
// and GET /stats/history (this node's transitions per minute).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_fixture.h"
#include "observability/job_history.h"

namespace conveyor::api::testing {
namespace {

class DashboardRoutesTest : public ApiFixture {};

TEST_F(DashboardRoutesTest, BulkRetryAnswersEveryIdAndRetriesOnlyTheFailed) {
  const std::string failed =
      MustSubmit(R"({"type":"fail","payload":{"times":10,"message":"no"},"max_attempts":1})");
  WaitForStatus(failed, "FAILED");
  const std::string done = MustSubmit(R"({"type":"noop","payload":{}})");
  WaitForStatus(done, "SUCCEEDED");
  const std::string missing = "0192f0c1-8d3c-7abc-9def-0123456789ab";
  Reply r = client().Post("/api/v1/jobs/bulk", R"({"action":"retry","ids":[")" + failed +
                                                   R"(",")" + done + R"(",")" + missing + R"("]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  const boost::json::object body = r.Json().as_object();
  EXPECT_EQ(body.at("action").as_string(), "retry");
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("id").as_string(), failed);
  EXPECT_EQ(results[0].at("status").as_int64(), 200);
  EXPECT_EQ(results[1].at("status").as_int64(), 409) << r.body;  // a succeeded job: not retried
  EXPECT_FALSE(results[1].at("detail").as_string().empty());
  EXPECT_EQ(results[2].at("status").as_int64(), 404);
  EXPECT_EQ(body.at("done").as_int64(), 1);
  EXPECT_EQ(body.at("refused").as_int64(), 2);
  // The retried job runs again (and fails again: attempts are fresh).
  const boost::json::value events = client().Get("/api/v1/jobs/" + failed + "/events").Json();
  EXPECT_GE(events.at("events").as_array().size(), 4u) << boost::json::serialize(events);
}

TEST_F(DashboardRoutesTest, BulkCancelCancelsWaitingJobs) {
  const std::string later = MustSubmit(R"({"type":"noop","payload":{},"delay":3600})");
  Reply r = client().Post("/api/v1/jobs/bulk", R"({"action":"cancel","ids":[")" + later + R"("]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("results").at(0).at("state").as_string(), "CANCELLED");
  EXPECT_EQ(client().Get("/api/v1/jobs/" + later).Json().at("status").as_string(), "CANCELLED");
}

TEST_F(DashboardRoutesTest, BulkRefusesBadBodiesWithASentence) {
  const std::string ok_id = "0192f0c1-8d3c-7abc-9def-0123456789ab";
  for (const std::string& body : {std::string(R"({"action":"delete","ids":[")") + ok_id + "\"]}",
                                 std::string(R"({"action":"cancel","ids":[]})"),
                                 std::string(R"({"action":"cancel","ids":["nope"]})"),
                                 std::string(R"({"action":"cancel"})"),
                                 std::string(R"({"action":"cancel","ids":[")") + ok_id +
                                     R"("],"filter":{}})"}) {
    Reply r = client().Post("/api/v1/jobs/bulk", body);
    EXPECT_EQ(r.status, 422u) << body << " -> " << r.body;
    EXPECT_FALSE(r.Json().at("detail").as_string().empty());
  }
  std::string many = R"({"action":"cancel","ids":[)";
  for (int i = 0; i < 1001; ++i) many += (i ? ",\"" : "\"") + ok_id + "\"";
  EXPECT_EQ(client().Post("/api/v1/jobs/bulk", many + "]}").status, 422u);
  EXPECT_EQ(client().Post("/api/v1/jobs/bulk", "{not json").status, 400u);
  ExpectStillServing();
}

TEST_F(DashboardRoutesTest, HistoryAnswersMinuteBucketsOldestFirst) {
  Reply r = client().Get("/api/v1/stats/history?minutes=5");
  ASSERT_EQ(r.status, 200u) << r.body;
  const boost::json::value body = r.Json();
  const auto& buckets = body.at("buckets").as_array();
  ASSERT_EQ(buckets.size(), 5u);
  EXPECT_EQ(buckets[1].at("at").as_int64() - buckets[0].at("at").as_int64(), 60'000);
  for (const char* key : {"created", "started", "succeeded", "failed", "retried"}) {
    EXPECT_TRUE(buckets[4].as_object().contains(key)) << key;
  }
  EXPECT_EQ(client().Get("/api/v1/stats/history?minutes=0").status, 422u);
  EXPECT_EQ(client().Get("/api/v1/stats/history?minutes=99999").status, 422u);
}

TEST(JobHistoryTest, CountsPerMinuteAndForgetsADayLater) {
  observability::JobHistory h;
  using observability::JobEventKind;
  const TimeMs t0 = 1'700'000'000'000 / 60'000 * 60'000;  // a minute's start
  h.Count(JobEventKind::kSubmitted, t0 + 1);
  h.Count(JobEventKind::kSubmitted, t0 + 59'999);
  h.Count(JobEventKind::kFailed, t0 + 60'000);
  auto b = h.Read(2, t0 + 60'001);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].at, t0);
  EXPECT_EQ(b[0].counts[static_cast<size_t>(JobEventKind::kSubmitted)], 2);
  EXPECT_EQ(b[1].counts[static_cast<size_t>(JobEventKind::kFailed)], 1);
  // The same slot a day later starts from zero, and the old minute no longer reads.
  const TimeMs day = observability::JobHistory::kMinutes * observability::JobHistory::kMinuteMs;
  h.Count(JobEventKind::kSucceeded, t0 + day);
  b = h.Read(1, t0 + day);
  EXPECT_EQ(b[0].counts[static_cast<size_t>(JobEventKind::kSubmitted)], 0);
  EXPECT_EQ(b[0].counts[static_cast<size_t>(JobEventKind::kSucceeded)], 1);
  // A late count for the minute the slot has moved past is dropped.
  h.Count(JobEventKind::kSubmitted, t0);
  EXPECT_EQ(h.Read(1, t0 + day)[0].counts[static_cast<size_t>(JobEventKind::kSubmitted)], 0);
}

}  // namespace
}  // namespace conveyor::api::testing
