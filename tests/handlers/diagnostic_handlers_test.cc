#include "handlers/diagnostic_handlers.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "test_context.h"

namespace conveyor {
namespace {

namespace json = boost::json;

json::value Parse(const std::string& s) { return json::parse(s); }

TEST(NoopHandler, ReturnsTheStartTimeInMicroseconds) {
  NoopHandler h;
  TestContext ctx("{}");
  using namespace std::chrono;
  const int64_t before = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  Result<std::string> r = h.Run(ctx);
  const int64_t after = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(r.ok());
  const int64_t started = Parse(*r).at("started_at_us").to_number<int64_t>();
  EXPECT_GE(started, before);
  EXPECT_LE(started, after);
}

TEST(NoopHandler, AcceptsAnyObjectOnly) {
  NoopHandler h;
  EXPECT_TRUE(h.ValidatePayload(Parse(R"({"anything": [1, 2]})")).ok());
  EXPECT_EQ(h.ValidatePayload(Parse("[]")).code(), StatusCode::kInvalidArgument);
}

TEST(SleepHandler, SleepsAndReportsTheDuration) {
  SleepHandler h;
  TestContext ctx(R"({"seconds": 0.05})");
  Result<std::string> r = h.Run(ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Parse(*r).at("slept_s").to_number<double>(), 0.05);
  EXPECT_FALSE(ctx.progress.empty());
}

TEST(SleepHandler, ZeroSecondsIsFine) {
  SleepHandler h;
  TestContext ctx(R"({"seconds": 0})");
  EXPECT_TRUE(h.Run(ctx).ok());
}

TEST(SleepHandler, StopsWhenCancelled) {
  SleepHandler h;
  TestContext ctx(R"({"seconds": 3600})");
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ctx.cancelled = true;
  });
  Result<std::string> r = h.Run(ctx);  // would take an hour if cancellation were ignored
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

TEST(SleepHandler, ValidationNamesTheField) {
  SleepHandler h;
  EXPECT_NE(h.ValidatePayload(Parse("{}")).message().find("payload.seconds is required"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"seconds": "1"})")).message().find("payload.seconds must be a number"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"seconds": -1})")).message().find("between 0 and 3600"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"seconds": 3600.5})")).message().find("between 0 and 3600"),
            std::string::npos);
  EXPECT_TRUE(h.ValidatePayload(Parse(R"({"seconds": 3600})")).ok());
}

TEST(FailHandler, FailsWhileAttemptIsAtMostTimesThenSucceeds) {
  FailHandler h;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    TestContext ctx(R"({"times": 2})", attempt);
    Result<std::string> r = h.Run(ctx);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);  // retryable
    EXPECT_EQ(r.status().message(), "failing on purpose (attempt " + std::to_string(attempt) + " of 2)");
  }
  TestContext third(R"({"times": 2})", 3);
  Result<std::string> r = h.Run(third);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Parse(*r).at("attempts").to_number<int>(), 3);
}

TEST(FailHandler, AlwaysFailsWithoutTimes) {
  FailHandler h;
  TestContext ctx(R"({"message": "boom"})", 50);
  Result<std::string> r = h.Run(ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "boom");
}

TEST(FailHandler, NonRetryableIsAPermanentError) {
  FailHandler h;
  TestContext ctx(R"({"retryable": false})");
  EXPECT_EQ(h.Run(ctx).status().code(), StatusCode::kInvalidArgument);
}

TEST(FailHandler, ValidationNamesTheField) {
  FailHandler h;
  EXPECT_NE(h.ValidatePayload(Parse(R"({"times": -1})")).message().find("payload.times"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"times": 1.5})")).message().find("payload.times"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"retryable": "no"})")).message().find("payload.retryable"),
            std::string::npos);
  EXPECT_NE(h.ValidatePayload(Parse(R"({"message": 3})")).message().find("payload.message"),
            std::string::npos);
  EXPECT_TRUE(h.ValidatePayload(Parse(R"({"times": 0, "retryable": true, "message": "x"})")).ok());
}

}  // namespace
}  // namespace conveyor
