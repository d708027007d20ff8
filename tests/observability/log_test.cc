#include "observability/log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "log_capture.h"

namespace conveyor {
namespace {

using LogTest = LogCapture;

TEST_F(LogTest, LineHasTimeLevelEventAndFieldsAsOneJsonObject) {
  log::Info("unit.event", {{"job_id", "0190-abc"}, {"note", "two words"}});
  boost::json::object line = Only("unit.event");
  EXPECT_EQ(Text(line, "level"), "info");
  EXPECT_EQ(Text(line, "job_id"), "0190-abc");
  EXPECT_EQ(Text(line, "note"), "two words");
  const std::string ts = Text(line, "ts");
  EXPECT_EQ(ts.size(), 24u) << ts;  // 2026-12-05T04:10:44.123Z
  EXPECT_EQ(ts.back(), 'Z') << ts;
}

TEST_F(LogTest, NumbersAreJsonNumbers) {
  log::Info("unit.numbers", {{"count", 42}, {"big", int64_t{1} << 40}, {"size", size_t{7}},
                             {"seconds", 0.25}, {"negative", -3}});
  boost::json::object line = Only("unit.numbers");
  EXPECT_EQ(line.at("count").as_int64(), 42);
  EXPECT_EQ(line.at("big").as_int64(), int64_t{1} << 40);
  EXPECT_EQ(line.at("size").as_int64(), 7);
  EXPECT_EQ(line.at("seconds").to_number<double>(), 0.25);
  EXPECT_EQ(line.at("negative").as_int64(), -3);
}

TEST_F(LogTest, ShortestDecimalAndNullForNonFinite) {
  log::Write(log::Level::kInfo, log::Line("unit.doubles")
                                    .Number("ms", 0.123)
                                    .Number("nan", std::nan(""))
                                    .Number("inf", std::numeric_limits<double>::infinity()));
  const std::vector<std::string> raw = RawLines();
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_NE(raw[0].find("\"ms\":0.123,"), std::string::npos) << raw[0];
  EXPECT_NE(raw[0].find("\"nan\":null,\"inf\":null}"), std::string::npos) << raw[0];
}

TEST_F(LogTest, SecondsAreWrittenToTheMicrosecond) {
  log::Write(log::Level::kInfo, log::Line("unit.seconds")
                                    .Seconds("a", 0.000125)
                                    .Seconds("b", 12.5)
                                    .Seconds("c", -0.0000004)
                                    .Seconds("d", -1.25)
                                    .Seconds("e", std::nan("")));
  const std::vector<std::string> raw = RawLines();
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_NE(raw[0].find(R"("a":0.000125,"b":12.500000,"c":0.000000,"d":-1.250000,"e":null})"),
            std::string::npos)
      << raw[0];
}

TEST_F(LogTest, StringsAreRedactedAndEscaped) {
  log::Info("unit.redact", {{"url", "cannot open postgres://app:S3cr3t@db/x"},
                            {"conninfo", "host=db password=hunter22 user=app"},
                            {"query", "/jobs?api_key=k-123&limit=5"},
                            {"quoted", "say \"hi\"\nnext\\line"}});
  const std::vector<std::string> raw = RawLines();
  ASSERT_EQ(raw.size(), 1u);
  for (const char* secret : {"S3cr3t", "hunter22", "k-123"}) {
    EXPECT_EQ(raw[0].find(secret), std::string::npos) << secret << " in " << raw[0];
  }
  boost::json::object line = Only("unit.redact");
  EXPECT_EQ(Text(line, "url"), "cannot open postgres://app:***@db/x");
  EXPECT_EQ(Text(line, "conninfo"), "host=db password=*** user=app");
  EXPECT_EQ(Text(line, "query"), "/jobs?api_key=***&limit=5");
  EXPECT_EQ(Text(line, "quoted"), "say \"hi\"\nnext\\line");
}

TEST_F(LogTest, LevelDropsLinesBelowIt) {
  log::SetLevel(log::Level::kWarn);
  EXPECT_FALSE(log::Enabled(log::Level::kInfo));
  EXPECT_TRUE(log::Enabled(log::Level::kError));
  log::Debug("unit.debug");
  log::Info("unit.info");
  log::Warn("unit.warn");
  log::Error("unit.error");
  std::vector<std::string> events;
  for (const auto& line : Lines()) events.push_back(Text(line, "event"));
  EXPECT_EQ(events, (std::vector<std::string>{"unit.warn", "unit.error"}));
  log::SetLevel(log::Level::kDebug);
  log::Debug("unit.debug");
  EXPECT_EQ(Text(Only("unit.debug"), "level"), "debug");
}

TEST_F(LogTest, ParseLevelKnowsTheFourNames) {
  EXPECT_EQ(log::ParseLevel("debug"), log::Level::kDebug);
  EXPECT_EQ(log::ParseLevel("info"), log::Level::kInfo);
  EXPECT_EQ(log::ParseLevel("warn"), log::Level::kWarn);
  EXPECT_EQ(log::ParseLevel("warning"), log::Level::kWarn);
  EXPECT_EQ(log::ParseLevel("error"), log::Level::kError);
  EXPECT_EQ(log::ParseLevel("INFO"), std::nullopt);
  EXPECT_EQ(log::ParseLevel("trace"), std::nullopt);
}

TEST_F(LogTest, NodeIsOnEveryLineOnceSetEvenWithQuotesAndPercent) {
  log::SetNode("node-1 \"east\" 100%");
  log::Info("unit.a");
  log::Warn("unit.b", {{"k", "v"}});
  for (const auto& line : Lines()) {
    EXPECT_EQ(Text(line, "node"), "node-1 \"east\" 100%") << boost::json::serialize(line);
  }
  EXPECT_EQ(Lines().size(), 2u);
}

TEST_F(LogTest, FlushReturnsWithEveryLineOfEveryThreadWritten) {
  constexpr int kThreads = 4, kLines = 3000;  // more than the queue holds: callers wait
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) log::Info("unit.many", {{"t", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  std::vector<int> next(kThreads, 0);
  for (const auto& line : Lines()) {
    const auto t = line.at("t").as_int64();
    EXPECT_EQ(line.at("i").as_int64(), next[t]++) << "lines of one thread keep their order";
  }
  EXPECT_EQ(next, std::vector<int>(kThreads, kLines));
}

TEST_F(LogTest, AfterShutdownLinesAreWrittenByTheCaller) {
  log::Info("unit.before");
  log::Shutdown();
  log::Info("unit.after");
  // No Flush: a synchronous line is in the sink when Info returns.
  const std::vector<std::string> events = Captured();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[1].find("unit.after"), std::string::npos);
}

}  // namespace
}  // namespace conveyor
