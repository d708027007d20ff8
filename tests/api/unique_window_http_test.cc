// Unique windows and delay over real HTTP: GET /jobs?idempotency_key= answers the job holding the
// key (the list shape, 0 or 1 jobs), a key reused after the configured window makes a new job,
// and `delay` schedules a job or gets a 422 naming the field.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "api_fixture.h"
#include "core/clock.h"
#include "core/time_format.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;

class UniqueWindowHttpTest : public ApiFixture {
 protected:
  static constexpr TimeMs kWindowMs = 1000;
  void ConfigureRuntime(RuntimeConfig& r) override { r.idempotency_window_ms = kWindowMs; }

  std::vector<std::string> ListIds(const std::string& query) {
    Reply r = client().Get("/api/v1/jobs?" + query);
    EXPECT_EQ(r.status, 200u) << r.body;
    const json::value page = r.Json();  // a temporary would die before the loop's body runs
    std::vector<std::string> ids;
    for (const json::value& j : page.at("jobs").as_array()) {
      ids.emplace_back(j.at("id").as_string());
    }
    return ids;
  }
  std::string Problem422(const std::string& body) {
    Reply r = client().Post("/api/v1/jobs", body);
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_TRUE(r.IsProblem());
    return r.status == 422 ? std::string(r.Json().at("detail").as_string()) : r.body;
  }
};

TEST_F(UniqueWindowHttpTest, ListByIdempotencyKeyFindsTheHolderAfterTheWindowPassed) {
  const std::string body = R"({"type":"noop","idempotency_key":"order 7/x"})";
  const std::string first = MustSubmit(body);
  EXPECT_EQ(client().Post("/api/v1/jobs", body).Json().at("id").as_string(), first);
  EXPECT_EQ(ListIds("idempotency_key=order%207%2Fx"), std::vector<std::string>{first});
  EXPECT_EQ(ListIds("idempotency_key=nobody").size(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(kWindowMs + 100));
  const std::string second = MustSubmit(body);
  EXPECT_NE(second, first);
  EXPECT_EQ(ListIds("idempotency_key=order%207%2Fx"), std::vector<std::string>{second});
  EXPECT_EQ(ListIds("idempotency_key=order%207%2Fx&status=FAILED").size(), 0u);
  Reply r = client().Get("/api/v1/jobs?idempotency_key=" + std::string(256, 'k'));
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("detail").as_string(),
            "idempotency_key must be a string of 1 to 255 characters");
}

TEST_F(UniqueWindowHttpTest, DelaySchedulesTheJobAndBadDelaysAre422NamingIt) {
  const TimeMs before = SystemClock::Default()->NowMs();
  Reply r = client().Post("/api/v1/jobs", R"({"type":"noop","delay":30})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "SCHEDULED");
  const auto run_at = ParseRfc3339(r.Json().at("run_at").as_string());
  ASSERT_TRUE(run_at);
  EXPECT_GE(*run_at, before + 30000);
  EXPECT_LE(*run_at, SystemClock::Default()->NowMs() + 30000);
  const std::string rule =
      "delay must be a number of seconds from 0 to 31536000 (a year): the "
      "job runs that long after the submit";
  EXPECT_EQ(Problem422(R"({"type":"noop","delay":-1})"), rule + " (got -1)");
  EXPECT_EQ(Problem422(R"({"type":"noop","delay":"5"})"), rule);
  EXPECT_EQ(Problem422(R"({"type":"noop","delay":31536001})"), rule + " (got 31536001)");
  EXPECT_EQ(Problem422(R"({"type":"noop","delay":5,"run_at":"2099-01-01T00:00:00Z"})")
                .rfind("delay cannot be given with run_at or scheduled_at", 0),
            0u);
  r = client().Post("/api/v1/jobs/batch",
                    R"({"jobs":[{"type":"noop"},{"type":"noop","delay":[]}]})");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("detail").as_string(), "jobs[1]." + rule);
  ExpectStillServing();
}

}  // namespace
}  // namespace conveyor::api::testing
