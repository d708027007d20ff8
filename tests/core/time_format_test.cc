#include "core/time_format.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1690309800123), "2023-07-25T18:30:00.123Z");
}

TEST(TimeFormatTest, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, ParsesWhatItFormats) {
  for (TimeMs t : {TimeMs{0}, TimeMs{1690309800123}, TimeMs{1798761599999}, TimeMs{951782400000}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  }
}

TEST(TimeFormatTest, NaiveTimesAreUtc) {
  // Seed 002 sends "scheduled_at": "2026-02-01T15:00:00".
  EXPECT_EQ(ParseRfc3339("2026-02-01T15:00:00"), ParseRfc3339("2026-02-01T15:00:00Z"));
}

TEST(TimeFormatTest, AppliesOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-02-01T17:00:00+02:00"), ParseRfc3339("2026-02-01T15:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-02-01T10:30:00-04:30"), ParseRfc3339("2026-02-01T15:00:00Z"));
}

TEST(TimeFormatTest, FractionsOfAnyLength) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.123456Z"), 123);
}

TEST(TimeFormatTest, RejectsGarbage) {
  for (const char* bad : {"", "tomorrow", "2026-02-30T00:00:00Z", "2026-02-01", "2026-02-01T25:00:00Z",
                          "2026-02-01T15:00:00.Z", "2026-02-01T15:00:00Zjunk", "2026-02-01T15:00:00+0200"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeFormatTest, RefusesOffsetsThatPushTheYearPast9999) {
  // 23:00 at -05:00 is 04:00 on 10000-01-01 in UTC: FormatRfc3339 would write "0000-…".
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:00:00-05:00").has_value());
  EXPECT_FALSE(ParseRfc3339("0000-01-01T01:00:00+05:00").has_value());
  const auto last = ParseRfc3339("9999-12-31T23:59:59.999Z");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(FormatRfc3339(*last), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(ParseRfc3339("0000-01-01T00:00:00Z"), kMinRfc3339Ms);
}

}  // namespace
}  // namespace conveyor
