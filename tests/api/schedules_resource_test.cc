// /schedules over real HTTP on a real SQLite store: create with a next-runs preview in the zone,
// 422s naming the field (cron, timezone, job.<field>, unknown fields), 409 for a name in use,
// PATCH, DELETE, pagination; and a schedule fires jobs through the started Scheduler.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/schedule_request.h"
#include "api_fixture.h"
#include "runtime/schedule/schedule_service.h"
#include "runtime/schedule/scheduler.h"

namespace conveyor::api::testing {
namespace {

namespace http = boost::beast::http;

class SchedulesResourceTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    const Clock& clock = *SystemClock::Default();
    schedules_ = std::make_unique<ScheduleService>(*store_, clock, external_->types());
    Services s = services();
    s.schedules = schedules_.get();
    server2_ = std::make_unique<HttpServer>(s, server_config_);
    ASSERT_TRUE(server2_->Start().ok());
    http_ = std::make_unique<TestClient>(server2_->port());
  }
  void TearDown() override {
    if (scheduler_) scheduler_->Stop();
    http_.reset();
    if (server2_) server2_->Stop();
    server2_.reset();
    ApiFixture::TearDown();
  }
  Reply Create(const std::string& body) { return http_->Post("/api/v1/schedules", body); }
  Reply Patch(const std::string& name, const std::string& body) {
    return http_->Send(http::verb::patch, "/api/v1/schedules/" + name, body);
  }
  std::string Detail422(const std::string& body) {
    Reply r = Create(body);
    EXPECT_EQ(r.status, 422u) << r.body;
    return r.status == 422 ? std::string(r.Json().at("detail").as_string()) : r.body;
  }

  std::unique_ptr<ScheduleService> schedules_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<HttpServer> server2_;
  std::unique_ptr<TestClient> http_;
};

TEST_F(SchedulesResourceTest, CreateAnswersTheScheduleWithFiveNextRunsInItsZone) {
  Reply r = Create(R"({"name":"nightly","cron":"30 2 * * *","timezone":"America/New_York",)"
                   R"("job":{"type":"noop","payload":{"x":1},"priority":3}})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.headers["Location"], "/api/v1/schedules/nightly");
  const boost::json::object s = r.Json().as_object();
  EXPECT_EQ(s.at("timezone").as_string(), "America/New_York");
  EXPECT_EQ(s.at("job").at("priority").as_int64(), 3);
  EXPECT_FALSE(s.at("paused").as_bool());
  const auto& runs = s.at("next_runs").as_array();
  ASSERT_EQ(runs.size(), 5u);
  const std::string local(runs[0].at("local").as_string());
  EXPECT_NE(local.find("T02:30:00-0"), std::string::npos) << local;  // -05:00 or -04:00
  EXPECT_EQ(runs[0].at("at").as_string(), s.at("next_run_at").as_string());
  Reply got = http_->Get("/api/v1/schedules/nightly");
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Json().at("cron").as_string(), "30 2 * * *");
}

TEST_F(SchedulesResourceTest, BadFieldsAre422NamingTheField) {
  const std::string job = R"(,"job":{"type":"noop"})";
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"61 * * * *")" + job + "}").rfind("cron field 1", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"@often")" + job + "}").rfind("cron macro", 0), 0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","timezone":"Europe/Atlantis")" + job + "}")
                .rfind("timezone", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","job":{"type":"noop","priority":0}})")
                .rfind("job.priority", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","job":{"type":"no.such.type"}})")
                .rfind("job.type", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","job":{"type":"noop","tags":5}})")
                .rfind("job.tags", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","job":[1]})").rfind("job must", 0), 0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *")" + job + R"(,"every":"5m"})")
                .rfind("unknown field \"every\"", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"cron":"* * * * *")" + job + "}").rfind("name is required", 0), 0u);
  EXPECT_EQ(Detail422(R"({"name":"a","cron":"* * * * *","catch_up":"all")" + job + "}")
                .rfind("catch_up must be", 0),
            0u);
  EXPECT_EQ(Detail422(R"({"name":"../x","cron":"* * * * *")" + job + "}").rfind("name must", 0),
            0u);
  EXPECT_EQ(Create("{nope").status, 400u);
  EXPECT_EQ(http_->Send(http::verb::post, "/api/v1/schedules", "{}", {}, "text/plain").status,
            415u);
  ExpectStillServing();
}

TEST_F(SchedulesResourceTest, DuplicateNameIs409AndPatchChangesOnlyWhatItNames) {
  ASSERT_EQ(Create(R"({"name":"d","cron":"@hourly","job":{"type":"noop"}})").status, 201u);
  EXPECT_EQ(Create(R"({"name":"d","cron":"@daily","job":{"type":"noop"}})").status, 409u);
  Reply p = Patch("d", R"({"paused":true,"timezone":"Asia/Tokyo"})");
  ASSERT_EQ(p.status, 200u) << p.body;
  EXPECT_TRUE(p.Json().at("paused").as_bool());
  EXPECT_EQ(p.Json().at("timezone").as_string(), "Asia/Tokyo");
  EXPECT_EQ(p.Json().at("cron").as_string(), "@hourly");
  EXPECT_EQ(p.Json().at("catch_up").as_string(), "latest");
  EXPECT_EQ(Patch("d", R"({"catch_up":"none"})").Json().at("catch_up").as_string(), "none");
  EXPECT_EQ(Patch("d", R"({"cron":"* * 31 2 *"})").status, 422u);
  EXPECT_EQ(Patch("d", R"({"name":"other"})").status, 422u);
  EXPECT_EQ(Patch("missing", R"({"paused":true})").status, 404u);
}

TEST_F(SchedulesResourceTest, ListPagesByNameAndDeleteRemoves) {
  for (const char* n : {"b", "a", "c"}) {
    ASSERT_EQ(
        Create(std::string(R"({"name":")") + n + R"(","cron":"@daily","job":{"type":"noop"}})")
            .status,
        201u);
  }
  Reply page = http_->Get("/api/v1/schedules?limit=2");
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.Json().at("schedules").as_array().size(), 2u);
  EXPECT_EQ(page.Json().at("next_cursor").as_string(), "b");
  Reply rest = http_->Get("/api/v1/schedules?limit=2&cursor=b");
  ASSERT_EQ(rest.Json().at("schedules").as_array().size(), 1u);
  EXPECT_TRUE(rest.Json().at("next_cursor").is_null());
  EXPECT_EQ(http_->Get("/api/v1/schedules?limit=5000").status, 422u);
  EXPECT_EQ(http_->Delete("/api/v1/schedules/b").status, 200u);
  EXPECT_EQ(http_->Delete("/api/v1/schedules/b").status, 404u);
  EXPECT_EQ(http_->Get("/api/v1/schedules/b").status, 404u);
}

// The whole path: the started Scheduler submits the ticks' jobs with their tick keys.
TEST_F(SchedulesResourceTest, RunNowMakesAJobFromTheTemplateAndLeavesTheNextRunAlone) {
  ASSERT_EQ(Create(R"({"name":"hourly","cron":"0 * * * *","paused":true,)"
                   R"("job":{"type":"noop","payload":{"x":7},"priority":2}})")
                .status,
            201u);
  const boost::json::value next_before = http_->Get("/api/v1/schedules/hourly").Json().at("next_run_at");
  Reply r = http_->Post("/api/v1/schedules/hourly/run", "");
  ASSERT_EQ(r.status, 201u) << r.body;
  const boost::json::object a = r.Json().as_object();
  EXPECT_EQ(a.at("schedule").as_string(), "hourly");
  EXPECT_EQ(a.at("job").at("type").as_string(), "noop");
  EXPECT_EQ(a.at("job").at("priority").as_int64(), 2);
  EXPECT_EQ(r.headers["Location"], "/api/v1/jobs/" + std::string(a.at("job").at("id").as_string()));
  // Twice is two jobs; an Idempotency-Key makes a repeated click the same job.
  EXPECT_EQ(http_->Post("/api/v1/schedules/hourly/run", "").status, 201u);
  Reply k1 = http_->Post("/api/v1/schedules/hourly/run", "", {{"Idempotency-Key", "click-1"}});
  Reply k2 = http_->Post("/api/v1/schedules/hourly/run", "", {{"Idempotency-Key", "click-1"}});
  ASSERT_EQ(k1.status, 201u) << k1.body;
  ASSERT_EQ(k2.status, 200u) << k2.body;
  EXPECT_EQ(k1.Json().at("job").at("id"), k2.Json().at("job").at("id"));
  EXPECT_EQ(http_->Get("/api/v1/schedules/hourly").Json().at("next_run_at"), next_before);
  EXPECT_EQ(http_->Post("/api/v1/schedules/nope/run", "").status, 404u);
}

TEST_F(SchedulesResourceTest, StartedSchedulerFiresEverySecondScheduleThroughTheApiParser) {
  scheduler_ =
      std::make_unique<Scheduler>(*store_, *SystemClock::Default(), *service_, &ParseScheduleJob);
  scheduler_->Start();
  ASSERT_EQ(Create(R"({"name":"sec","cron":"* * * * * *","job":{"type":"noop"}})").status, 201u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  size_t jobs = 0;
  while (jobs < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    jobs = http_->Get("/api/v1/jobs?limit=100").Json().at("jobs").as_array().size();
  }
  ASSERT_GE(jobs, 2u);
  const auto list = http_->Get("/api/v1/jobs?limit=100").Json().at("jobs").as_array();
  EXPECT_EQ(std::string(list[0].at("idempotency_key").as_string()).rfind("schedule:sec:", 0), 0u);
}

}  // namespace
}  // namespace conveyor::api::testing
