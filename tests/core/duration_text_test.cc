#include "core/duration_text.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(DurationTextTest, ReadsEveryUnitAndBareSeconds) {
  EXPECT_EQ(ParseDurationMs("24h"), TimeMs{24} * 3600 * 1000);
  EXPECT_EQ(ParseDurationMs("90m"), TimeMs{90} * 60 * 1000);
  EXPECT_EQ(ParseDurationMs("30s"), 30000);
  EXPECT_EQ(ParseDurationMs("500ms"), 500);
  EXPECT_EQ(ParseDurationMs("7d"), TimeMs{7} * 86400 * 1000);
  EXPECT_EQ(ParseDurationMs("3600"), 3600 * 1000);
  EXPECT_EQ(ParseDurationMs("0"), 0);
  EXPECT_EQ(ParseDurationMs("0h"), 0);
}

TEST(DurationTextTest, RefusesWhatIsNotOneWholeDuration) {
  for (const char* bad : {"", "h", "-1h", "+1h", "1.5h", "1w", "1h30m", " 1h", "1h ", "ms",
                          "99999999999999999999", "36501d"}) {
    EXPECT_EQ(ParseDurationMs(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseDurationMs("36500d"), kMaxDurationMs);
}

}  // namespace
}  // namespace conveyor
