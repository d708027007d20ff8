#include "core/retry_policy.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(RetryPolicyTest, BoundDoublesPerAttemptUpToTheCap) {
  RetryPolicy p{.base_ms = 100, .cap_ms = 1000, .floor_ms = 1};
  EXPECT_EQ(p.MaxDelay(1), 100);
  EXPECT_EQ(p.MaxDelay(2), 200);
  EXPECT_EQ(p.MaxDelay(3), 400);
  EXPECT_EQ(p.MaxDelay(4), 800);
  EXPECT_EQ(p.MaxDelay(5), 1000);
  EXPECT_EQ(p.MaxDelay(60), 1000);  // no overflow on large attempts
}

TEST(RetryPolicyTest, FullJitterStaysWithinBoundsAndVaries) {
  RetryPolicy p{.base_ms = 100, .cap_ms = 10000, .floor_ms = 5};
  TimeMs lo = 1 << 30, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    const TimeMs d = p.Delay(4);
    ASSERT_GE(d, 5);
    ASSERT_LE(d, 800);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 200);  // full jitter spreads over the whole range
  EXPECT_GT(hi, 600);
}

TEST(RetryPolicyTest, FloorKeepsRetriesFromSpinning) {
  RetryPolicy p{.base_ms = 0, .cap_ms = 0, .floor_ms = 10};
  EXPECT_EQ(p.Delay(1), 10);
}

}  // namespace
}  // namespace conveyor
