// The GET /admin/stats body (api/stats_json.h): seed 002's member names, status words per dialect
// (summed where a dialect gives several states one word), and floats written as floats.
#include "api/stats_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/time_format.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

constexpr TimeMs kT0 = 1795327032123;  // 2026-11-22T05:57:12.123Z

JobStats SomeStats() {
  JobStats s;
  s.by_state = {{JobState::kScheduled, 1}, {JobState::kPending, 3}, {JobState::kRetrying, 2},
                {JobState::kRunning, 4},   {JobState::kFailed, 1},  {JobState::kCancelled, 5}};
  s.by_type = {{"send_email", 98}, {"report.generate", 2}};
  s.avg_failed_attempt = 3;
  s.recent_failures = {{.id = "0192f0c1-8d3c-7abc-9def-0123456789ab",
                        .type = "send_email",
                        .error = "SMTP refused",
                        .attempt = 3,
                        .finished_at = kT0}};
  return s;
}

json::object Render(const JobStats& stats, Dialect dialect, std::string* text = nullptr) {
  std::string out;
  AppendStatsJson(stats, {.running = 1, .completed = 2, .failed_attempts = 3}, dialect, &out);
  if (text) *text = out;
  return json::parse(out).as_object();
}

TEST(StatsJsonTest, ConveyorsDialectListsEveryStateAndTheWorkers) {
  const json::object stats =
      Render({.by_state = {{JobState::kPending, 3}, {JobState::kFailed, 1}}}, Dialect::kSucceeded);
  EXPECT_EQ(stats.at("status_breakdown").as_object().size(), 9u);  // BLOCKED is the ninth
  EXPECT_EQ(stats.at("status_breakdown").at("PENDING").as_int64(), 3);
  EXPECT_EQ(stats.at("status_breakdown").at("EXPIRED").as_int64(), 0);
  EXPECT_EQ(stats.at("status_breakdown").at("BLOCKED").as_int64(), 0);
  EXPECT_EQ(stats.at("total").as_int64(), 4);
  EXPECT_EQ(stats.at("workers").at("failed_attempts").as_int64(), 3);
  EXPECT_EQ(stats.at("workers").at("running").as_int64(), 1);
}

TEST(StatsJsonTest, CompletedDialectSumsTheStatesThatShareAWord) {
  const json::object stats = Render(SomeStats(), Dialect::kCompleted);
  const json::object& breakdown = stats.at("status_breakdown").as_object();
  // PENDING/PROCESSING/COMPLETED/FAILED only; SCHEDULED + PENDING + RETRYING are PENDING, and a
  // job that ended without success (CANCELLED too) is FAILED.
  EXPECT_EQ(breakdown.size(), 4u);
  EXPECT_EQ(breakdown.at("PENDING").as_int64(), 6);
  EXPECT_EQ(breakdown.at("PROCESSING").as_int64(), 4);
  EXPECT_EQ(breakdown.at("COMPLETED").as_int64(), 0);
  EXPECT_EQ(breakdown.at("FAILED").as_int64(), 6);
  EXPECT_EQ(stats.at("total").as_int64(), 16);
}

TEST(StatsJsonTest, SeedTwoMembersCarryTypesAndRecentFailures) {
  std::string text;
  const json::object stats = Render(SomeStats(), Dialect::kCompleted, &text);
  EXPECT_EQ(stats.at("type_breakdown").at("send_email").as_int64(), 98);
  EXPECT_EQ(stats.at("type_breakdown").at("report.generate").as_int64(), 2);
  // A float with a fraction, as seed 002's Python computes it: 3.0, never 3.
  EXPECT_NE(text.find(R"("avg_attempts_for_failed_jobs":3.0)"), std::string::npos) << text;
  const json::array& failures = stats.at("recent_failures").as_array();
  ASSERT_EQ(failures.size(), 1u);
  const json::object& f = failures[0].as_object();
  EXPECT_EQ(f.at("job_id").as_string(), "0192f0c1-8d3c-7abc-9def-0123456789ab");
  EXPECT_EQ(f.at("type").as_string(), "send_email");
  EXPECT_EQ(f.at("error").as_string(), "SMTP refused");
  EXPECT_EQ(f.at("attempts").as_int64(), 3);
  EXPECT_EQ(f.at("failed_at").as_string(), FormatRfc3339(kT0));
}

TEST(StatsJsonTest, EmptyStatsAreZeroesNotNulls) {
  std::string text;
  const json::object stats = Render({}, Dialect::kQueued, &text);
  EXPECT_EQ(stats.at("total").as_int64(), 0);
  EXPECT_TRUE(stats.at("type_breakdown").as_object().empty());
  EXPECT_TRUE(stats.at("recent_failures").as_array().empty());
  EXPECT_NE(text.find(R"("avg_attempts_for_failed_jobs":0.0)"), std::string::npos) << text;
  EXPECT_EQ(stats.at("status_breakdown").at("queued").as_int64(), 0);
}

}  // namespace
}  // namespace conveyor::api
