// The worker routes (POST /leases, /jobs/{id}/heartbeat|complete|fail) and GET /metrics against
// a real server, store and worker pool: validation, fencing by lease token, cancel handling,
// long polls woken by submits and ended by shutdown.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "api_fixture.h"
#include "core/ids.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;

class WorkerRoutesTest : public ApiFixture {
 protected:
  // The ext.* types these tests lease are declared, as an operator would for its workers.
  void ConfigureRuntime(RuntimeConfig& runtime) override { runtime.external_types = {"ext.*"}; }

  // Jobs of a type no built-in handler serves: only these tests lease them.
  std::string SubmitExternal(const std::string& type, const std::string& payload = "{}") {
    return MustSubmit(R"({"type":")" + type + R"(","payload":)" + payload + "}");
  }

  json::array Lease(TestClient& c, const std::string& type, double wait_s = 0, int max = 1) {
    Reply r = c.Post("/api/v1/leases", R"({"worker_id":"t1","types":[")" + type +
                                           R"("],"max":)" + std::to_string(max) +
                                           R"(,"wait_s":)" + std::to_string(wait_s) + "}");
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) return {};
    return r.Json().at("jobs").as_array();
  }

  // Leases the one job of `type` and returns its token.
  std::string MustLeaseOne(const std::string& type, const std::string& id) {
    json::array jobs = Lease(client(), type);
    EXPECT_EQ(jobs.size(), 1u);
    if (jobs.size() != 1) return "";
    EXPECT_EQ(jobs[0].at("id").as_string(), id);
    return std::string(jobs[0].at("lease_token").as_string());
  }

  Reply Verb(const std::string& id, const std::string& verb, const std::string& body) {
    return client().Post("/api/v1/jobs/" + id + "/" + verb, body);
  }
};

TEST_F(WorkerRoutesTest, LeaseBodiesAreValidated) {
  const struct {
    const char* body;
    unsigned status;
  } cases[] = {
      {"not json", 400},
      {"[1]", 400},
      {R"({"max":1})", 422},                                   // worker_id missing
      {R"({"worker_id":"has space"})", 422},
      {R"({"worker_id":"w","max":0})", 422},
      {R"({"worker_id":"w","max":101})", 422},
      {R"({"worker_id":"w","max":1.5})", 422},
      {R"({"worker_id":"w","wait_s":61})", 422},
      {R"({"worker_id":"w","wait_s":"5"})", 422},
      {R"({"worker_id":"w","lease_s":0.5})", 422},
      {R"({"worker_id":"w","types":"noop"})", 422},
      {R"({"worker_id":"w","queues":["bad name"]})", 422},
  };
  for (const auto& c : cases) {
    Reply r = client().Post("/api/v1/leases", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_TRUE(r.IsProblem()) << r.body;
  }
  Reply r = client().Send(http::verb::post, "/api/v1/leases", R"({"worker_id":"w"})", {},
                          "text/plain");
  EXPECT_EQ(r.status, 415u);
}

TEST_F(WorkerRoutesTest, LeaseHeartbeatCompleteRoundTrip) {
  const std::string id = SubmitExternal("ext.round_trip", R"({"n":7})");
  json::array jobs = Lease(client(), "ext.round_trip");
  ASSERT_EQ(jobs.size(), 1u);
  const json::object& job = jobs[0].as_object();
  EXPECT_EQ(job.at("id").as_string(), id);
  EXPECT_EQ(job.at("payload").at("n").as_int64(), 7);
  EXPECT_EQ(job.at("attempt").as_int64(), 1);
  EXPECT_FALSE(job.at("lease_expires_at").is_null());
  const std::string token(job.at("lease_token").as_string());

  Reply r = Verb(id, "heartbeat", R"({"lease_token":")" + token + R"(","progress":40,"message":"half"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(r.Json().at("cancel_requested").as_bool());
  json::value stored = client().Get("/api/v1/jobs/" + id).Json();
  EXPECT_EQ(stored.at("progress").as_int64(), 40);
  EXPECT_EQ(stored.at("status").as_string(), "RUNNING");

  r = Verb(id, "complete", R"({"lease_token":")" + token + R"(","result":{"ok":true}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  stored = client().Get("/api/v1/jobs/" + id).Json();
  EXPECT_EQ(stored.at("status").as_string(), "SUCCEEDED");
  EXPECT_TRUE(stored.at("result").at("ok").as_bool());
}

TEST_F(WorkerRoutesTest, HeartbeatFractionalProgressReadsBackUnrounded) {
  const std::string id = SubmitExternal("ext.fraction");
  const std::string token = MustLeaseOne("ext.fraction", id);
  Reply r = Verb(id, "heartbeat", R"({"lease_token":")" + token + R"(","progress":65.5})");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::value stored = client().Get("/api/v1/jobs/" + id).Json();
  ASSERT_TRUE(stored.at("progress").is_double()) << json::serialize(stored);
  EXPECT_EQ(stored.at("progress").as_double(), 65.5);
  EXPECT_EQ(client().Get("/api/v1/jobs/" + id + "/status").Json().at("progress").as_double(),
            65.5);
  // A whole number stays an integer on the wire.
  ASSERT_EQ(Verb(id, "heartbeat", R"({"lease_token":")" + token + R"(","progress":70.0})").status,
            200u);
  EXPECT_EQ(client().Get("/api/v1/jobs/" + id).Json().at("progress").as_int64(), 70);
  // Outside 0..100, or not a number: 422 naming the member, and the stored value stays.
  for (const char* bad : {"100.5", "-0.5", "\"65.5\"", "true"}) {
    r = Verb(id, "heartbeat",
             R"({"lease_token":")" + token + R"(","progress":)" + std::string(bad) + "}");
    EXPECT_EQ(r.status, 422u) << bad << " → " << r.body;
    EXPECT_NE(r.body.find("progress"), std::string::npos) << r.body;
  }
  EXPECT_EQ(client().Get("/api/v1/jobs/" + id).Json().at("progress").as_int64(), 70);
}

TEST_F(WorkerRoutesTest, StaleTokenIsAConflictAndChangesNothing) {
  const std::string id = SubmitExternal("ext.stale");
  const std::string token = MustLeaseOne("ext.stale", id);
  for (const char* verb : {"heartbeat", "complete", "fail"}) {
    Reply r = Verb(id, verb, R"({"lease_token":"not-the-token","error":"x"})");
    EXPECT_EQ(r.status, 409u) << verb << ": " << r.body;
    EXPECT_TRUE(r.IsProblem());
  }
  EXPECT_EQ(client().Get("/api/v1/jobs/" + id).Json().at("status").as_string(), "RUNNING");
  ASSERT_EQ(Verb(id, "complete", R"({"lease_token":")" + token + R"("})").status, 200u);
  EXPECT_EQ(Verb(id, "complete", R"({"lease_token":")" + token + R"("})").status, 409u);
}

TEST_F(WorkerRoutesTest, UnknownJobIsNotFoundAndBadIdsAndBodiesAre4xx) {
  const std::string missing = NewUuidV7(SystemClock::Default()->NowMs());
  for (const char* verb : {"heartbeat", "complete", "fail"}) {
    EXPECT_EQ(Verb(missing, verb, R"({"lease_token":"t"})").status, 404u) << verb;
    EXPECT_EQ(Verb("42", verb, R"({"lease_token":"t"})").status, 400u) << verb;
    EXPECT_EQ(Verb(missing, verb, "{").status, 400u) << verb;
    EXPECT_EQ(Verb(missing, verb, "{}").status, 422u) << verb;  // lease_token missing
  }
  EXPECT_EQ(Verb(missing, "heartbeat", R"({"lease_token":"t","progress":101})").status, 422u);
  EXPECT_EQ(Verb(missing, "fail", R"({"lease_token":"t","retryable":"yes"})").status, 422u);
  EXPECT_EQ(Verb(missing, "fail", R"({"lease_token":"t","retry_in_s":-1})").status, 422u);
}

TEST_F(WorkerRoutesTest, FailRetriesWithRetryInSOrFailsForGood) {
  const std::string id = SubmitExternal("ext.fail");
  std::string token = MustLeaseOne("ext.fail", id);
  Reply r = Verb(id, "fail", R"({"lease_token":")" + token +
                                 R"(","error":"busy","retryable":true,"retry_in_s":0})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "RETRYING");
  EXPECT_EQ(r.Json().at("error").as_string(), "busy");
  // Due at once (retry_in_s 0): the lease takes it again as attempt 2.
  json::array again;
  for (int i = 0; i < 200 && again.empty(); ++i) again = Lease(client(), "ext.fail", 0.1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].at("attempt").as_int64(), 2);
  token = std::string(again[0].at("lease_token").as_string());
  r = Verb(id, "fail", R"({"lease_token":")" + token + R"(","error":"bad input","retryable":false})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "FAILED");
}

TEST_F(WorkerRoutesTest, FailAfterACancelRequestEndsTheJobCancelled) {
  const std::string id = SubmitExternal("ext.cancel");
  const std::string token = MustLeaseOne("ext.cancel", id);
  ASSERT_EQ(client().Delete("/api/v1/jobs/" + id).status, 200u);
  Reply r = Verb(id, "heartbeat", R"({"lease_token":")" + token + R"("})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.Json().at("cancel_requested").as_bool());
  r = Verb(id, "fail", R"({"lease_token":")" + token + R"(","error":"stopped"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "CANCELLED");
}

TEST_F(WorkerRoutesTest, CompletionsAnswerEachItemOnItsOwn) {
  const std::string a = SubmitExternal("ext.many");
  const std::string b = SubmitExternal("ext.many");
  json::array jobs = Lease(client(), "ext.many", 0, 10);
  ASSERT_EQ(jobs.size(), 2u);
  const std::string missing = NewUuidV7(SystemClock::Default()->NowMs());
  std::string body = R"({"completions":[)";
  for (const auto& j : jobs) {
    body += R"({"id":")" + std::string(j.at("id").as_string()) + R"(","lease_token":")" +
            std::string(j.at("lease_token").as_string()) + R"(","result":{"n":1}},)";
  }
  body += R"({"id":")" + std::string(jobs[0].at("id").as_string()) +
          R"(","lease_token":"stale"},{"id":")" + missing + R"(","lease_token":"t"}]})";
  Reply r = client().Post("/api/v1/completions", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::array results = r.Json().at("results").as_array();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].at("status").as_int64(), 200);
  EXPECT_EQ(results[1].at("status").as_int64(), 200);
  EXPECT_EQ(results[2].at("status").as_int64(), 409);  // already completed by item 0
  EXPECT_EQ(results[3].at("status").as_int64(), 404);
  EXPECT_EQ(results[3].at("id").as_string(), missing);
  for (const std::string& id : {a, b}) {
    json::value job = client().Get("/api/v1/jobs/" + id).Json();
    EXPECT_EQ(job.at("status").as_string(), "SUCCEEDED");
    EXPECT_EQ(job.at("result").at("n").as_int64(), 1);
  }
}

TEST_F(WorkerRoutesTest, CompletionsBodiesAreValidated) {
  for (const char* body : {R"({"completions":[]})", R"({"completions":{}})", R"({})",
                           R"({"completions":[{"id":"42","lease_token":"t"}]})",
                           R"({"completions":[1]})"}) {
    Reply r = client().Post("/api/v1/completions", body);
    EXPECT_EQ(r.status, 422u) << body << " → " << r.body;
  }
  Reply r = client().Post("/api/v1/completions", R"({"completions":[{"id":"42"}]})");
  EXPECT_NE(r.body.find("completions[0].id must be a job id"), std::string::npos) << r.body;
  EXPECT_EQ(client().Post("/api/v1/completions", "[]").status, 400u);
}

TEST_F(WorkerRoutesTest, LongPollIsAnsweredBySubmit) {
  TestClient poller(port());
  auto leased = std::async(std::launch::async, [&] { return Lease(poller, "ext.poll", 30); });
  // The poll is parked (or about to be); a submit wakes it, whichever comes first.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string id = SubmitExternal("ext.poll");
  json::array jobs = leased.get();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("id").as_string(), id);
}

// Finding 9: many polls wait at once, jobs arrive one by one; each poll gets exactly one job and
// none is left waiting for its re-check (a wake a poll did not use passes to another).
TEST_F(WorkerRoutesTest, LongPollNeverMissesAJob) {
  constexpr int kPolls = 6;
  std::vector<std::unique_ptr<TestClient>> clients;
  std::vector<std::future<json::array>> polls;
  for (int i = 0; i < kPolls; ++i) {
    clients.push_back(std::make_unique<TestClient>(port()));
    TestClient* c = clients.back().get();
    polls.push_back(std::async(std::launch::async, [this, c] { return Lease(*c, "ext.many", 30); }));
  }
  // Polls for another type are never woken by these submits.
  TestClient other(port());
  auto unrelated = std::async(std::launch::async, [&] { return Lease(other, "ext.other", 2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::set<std::string> submitted;
  for (int i = 0; i < kPolls; ++i) submitted.insert(SubmitExternal("ext.many"));
  std::set<std::string> leased;
  for (auto& p : polls) {
    json::array jobs = p.get();
    ASSERT_EQ(jobs.size(), 1u);
    leased.insert(std::string(jobs[0].at("id").as_string()));
  }
  EXPECT_EQ(leased, submitted);
  EXPECT_TRUE(unrelated.get().empty());
}

TEST_F(WorkerRoutesTest, EmptyLongPollAnswersAnEmptyList) {
  EXPECT_TRUE(Lease(client(), "ext.nothing", 0.2).empty());
}

TEST_F(WorkerRoutesTest, ServerStopEndsLongPolls) {
  TestClient poller(port());
  auto leased = std::async(std::launch::async, [&] { return Lease(poller, "ext.never", 60); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->Stop();
  EXPECT_TRUE(leased.get().empty());
}

TEST_F(WorkerRoutesTest, MetricsArePrometheusText) {
  SubmitExternal("ext.metrics");
  Reply r = client().Get("/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(r.body.find("# TYPE conveyor_jobs gauge\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("conveyor_jobs{state=\"PENDING\"} "), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("conveyor_jobs_submitted_total "), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("conveyor_workers 2\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("conveyor_lease_poll_wakeups_total "), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("conveyor_lease_polls_waiting 0\n"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace conveyor::api::testing
