#include "core/trace_context.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/ids.h"

namespace conveyor {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, AcceptsTheSpecsExamplesAsTheyAre) {
  EXPECT_EQ(ParseTraceParent(kValid), kValid);
  const char* unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
  EXPECT_EQ(ParseTraceParent(unsampled), unsampled);
}

TEST(TraceContextTest, RefusesWhatTheSpecCallsInvalid) {
  const char* invalid[] = {
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",    // short
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // 00 is exactly 55 bytes
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper-case hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent-id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version not hex
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // wrong separators
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // field lengths off by one
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x",  // future: '-' must follow
  };
  for (const char* text : invalid) EXPECT_EQ(ParseTraceParent(text), std::nullopt) << text;
}

TEST(TraceContextTest, ReadsAFutureVersionByItsFirstFourFields) {
  const std::string expected = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_EQ(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), expected);
  EXPECT_EQ(
      ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future"),
      expected);
}

TEST(TraceContextTest, RefusesATraceParentOverTheCapUnread) {
  std::string long_one = std::string("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-");
  long_one.resize(kMaxTraceParentLength, 'a');
  EXPECT_TRUE(ParseTraceParent(long_one).has_value());
  long_one.push_back('a');
  EXPECT_EQ(ParseTraceParent(long_one), std::nullopt);
}

TEST(TraceContextTest, TraceStateIsBoundedPrintableAscii) {
  EXPECT_TRUE(IsValidTraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_TRUE(IsValidTraceState(std::string(kMaxTraceStateLength, 'a')));
  EXPECT_FALSE(IsValidTraceState(std::string(kMaxTraceStateLength + 1, 'a')));
  EXPECT_FALSE(IsValidTraceState(""));
  EXPECT_FALSE(IsValidTraceState("a=b\r\nX-Injected: 1"));
  EXPECT_FALSE(IsValidTraceState("a=b\x7f"));
  EXPECT_FALSE(IsValidTraceState("a=\xc3\xa9"));
}

TEST(TraceContextTest, AJobWithoutAStoredTraceHasOneDerivedFromItsId) {
  const std::string id = "01a245f7-0a66-7139-8fc0-d6caa7a83db7";
  const std::string t = JobTraceParent(std::nullopt, id);
  EXPECT_EQ(t, "00-01a245f70a6671398fc0d6caa7a83db7-8fc0d6caa7a83db7-01");
  EXPECT_EQ(ParseTraceParent(t), t);
  EXPECT_EQ(JobTraceParent(std::string(kValid), id), kValid) << "the submitter's trace wins";
  std::set<std::string> trace_ids;
  for (int i = 0; i < 1000; ++i) {  // ids of one millisecond: the random part tells them apart
    const std::string t = JobTraceParent(std::nullopt, NewUuidV7(1'700'000'000'000));
    trace_ids.insert(std::string(TraceIdOf(t)));
  }
  EXPECT_EQ(trace_ids.size(), 1000u);
  for (std::string_view bad : {"", "not-an-id", "00000000-0000-0000-0000-000000000000",
                               "01A245F7-0A66-7139-8FC0-D6CAA7A83DB7"}) {
    EXPECT_EQ(JobTraceParent(std::nullopt, bad), "") << bad;
  }
}

TEST(TraceContextTest, AChildKeepsTheTraceAndFlagsWithANewParent) {
  const std::string child = ChildTraceParent(kValid);
  ASSERT_EQ(ParseTraceParent(child), child);
  EXPECT_EQ(TraceIdOf(child), TraceIdOf(kValid));
  EXPECT_NE(child.substr(36, 16), std::string(kValid).substr(36, 16));
  EXPECT_TRUE(child.ends_with("-01"));
  EXPECT_NE(ChildTraceParent(kValid), child);
  EXPECT_EQ(ChildTraceParent("not a traceparent"), "");
}

TEST(TraceContextTest, TraceIdOfReadsOnlyVersion00Form) {
  EXPECT_EQ(TraceIdOf(kValid), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(TraceIdOf(""), "");
  EXPECT_EQ(TraceIdOf("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "");
}

}  // namespace
}  // namespace conveyor
