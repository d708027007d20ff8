// ZonedCron: cron in IANA time zones — DST spring-forward and fall-back in America/New_York and
// Europe/Berlin, the catch-up search for the latest missed tick, local formatting, bad zones.
#include "runtime/schedule/zoned_cron.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace conveyor {
namespace {

TimeMs Utc(std::string_view rfc3339) { return ParseRfc3339(rfc3339).value(); }

ZonedCron MustMake(std::string_view cron, std::string_view zone) {
  Result<ZonedCron> z = ZonedCron::Make(cron, zone);
  EXPECT_TRUE(z.ok()) << z.status().ToString();
  return *std::move(z);
}

std::string Next(const ZonedCron& z, std::string_view after) {
  std::optional<TimeMs> t = z.NextAfter(Utc(after));
  return t ? FormatRfc3339(*t) : "never";
}

TEST(ZonedCronTest, SpringForwardGapFiresOnceAtTheTransitionInNewYork) {
  const ZonedCron z = MustMake("30 2 * * *", "America/New_York");
  EXPECT_EQ(Next(z, "2026-03-07T00:00:00Z"), "2026-03-07T07:30:00.000Z");  // 02:30 EST
  // 02:30 on March 8 does not exist: it fires at 03:00 EDT, the first instant after the gap.
  EXPECT_EQ(Next(z, "2026-03-07T07:30:00Z"), "2026-03-08T07:00:00.000Z");
  EXPECT_EQ(Next(z, "2026-03-08T07:00:00Z"), "2026-03-09T06:30:00.000Z");  // 02:30 EDT
}

TEST(ZonedCronTest, TimesInsideOneGapCollapseIntoOneFire) {
  const ZonedCron z = MustMake("*/30 * * * *", "America/New_York");
  EXPECT_EQ(Next(z, "2026-03-08T06:45:00Z"), "2026-03-08T07:00:00.000Z");  // 02:00 and 02:30
  EXPECT_EQ(Next(z, "2026-03-08T07:00:00Z"), "2026-03-08T07:30:00.000Z");  // 03:30 EDT
}

TEST(ZonedCronTest, FallBackRepeatedTimeFiresOnceAtItsFirstOccurrenceInNewYork) {
  const ZonedCron z = MustMake("30 1 * * *", "America/New_York");
  EXPECT_EQ(Next(z, "2026-11-01T00:00:00Z"), "2026-11-01T05:30:00.000Z");  // 01:30 EDT
  // The second 01:30 (EST, 06:30Z) is not a new tick: the next is tomorrow's.
  EXPECT_EQ(Next(z, "2026-11-01T05:30:00Z"), "2026-11-02T06:30:00.000Z");
  // A process that starts inside the repeated hour does not fire it again either.
  EXPECT_EQ(Next(z, "2026-11-01T06:10:00Z"), "2026-11-02T06:30:00.000Z");
}

TEST(ZonedCronTest, EverySecondResumesAfterTheRepeatedHourInOneStep) {
  const ZonedCron z = MustMake("* * * * * *", "America/New_York");
  // 01:59:59 EDT, then the repeated hour (EST 01:00-01:59) is skipped: 02:00:00 EST.
  EXPECT_EQ(Next(z, "2026-11-01T05:59:58Z"), "2026-11-01T05:59:59.000Z");
  EXPECT_EQ(Next(z, "2026-11-01T05:59:59Z"), "2026-11-01T07:00:00.000Z");
  EXPECT_EQ(Next(z, "2026-11-01T06:30:00Z"), "2026-11-01T07:00:00.000Z");  // inside it
  EXPECT_EQ(
      FormatRfc3339(*z.LatestBetween(Utc("2026-11-01T05:00:00Z"), Utc("2026-11-01T06:45:00Z"))),
      "2026-11-01T05:59:59.000Z");
}

TEST(ZonedCronTest, DstTransitionsInBerlin) {
  const ZonedCron spring = MustMake("0 2 * * *", "Europe/Berlin");
  EXPECT_EQ(Next(spring, "2026-03-28T01:00:00Z"), "2026-03-29T01:00:00.000Z");  // 03:00 CEST
  EXPECT_EQ(Next(spring, "2026-03-29T01:00:00Z"), "2026-03-30T00:00:00.000Z");  // 02:00 CEST
  const ZonedCron fall = MustMake("30 2 * * *", "Europe/Berlin");
  EXPECT_EQ(Next(fall, "2026-10-24T23:00:00Z"), "2026-10-25T00:30:00.000Z");  // 02:30 CEST
  EXPECT_EQ(Next(fall, "2026-10-25T00:30:00Z"), "2026-10-26T01:30:00.000Z");  // 02:30 CET
}

TEST(ZonedCronTest, NextAfterIsStrictAndIgnoresMilliseconds) {
  const ZonedCron z = MustMake("* * * * * *", "UTC");
  EXPECT_EQ(Next(z, "2026-01-01T00:00:10Z"), "2026-01-01T00:00:11.000Z");
  EXPECT_EQ(Next(z, "2026-01-01T00:00:10.999Z"), "2026-01-01T00:00:11.000Z");
}

TEST(ZonedCronTest, LatestMissedTickIsFoundAfterLongDowntime) {
  const ZonedCron minutes = MustMake("*/5 * * * *", "UTC");
  EXPECT_EQ(FormatRfc3339(
                *minutes.LatestBetween(Utc("2026-01-01T00:00:00Z"), Utc("2026-01-01T00:12:30Z"))),
            "2026-01-01T00:10:00.000Z");
  // A week of an every-second schedule is still a handful of searches, not 604,800 steps.
  const ZonedCron seconds = MustMake("* * * * * *", "UTC");
  EXPECT_EQ(FormatRfc3339(*seconds.LatestBetween(Utc("2026-01-01T00:00:00Z"),
                                                 Utc("2026-01-08T03:04:05.600Z"))),
            "2026-01-08T03:04:05.000Z");
  // The floor is exclusive: no tick after it up to now.
  EXPECT_FALSE(minutes.LatestBetween(Utc("2026-01-01T00:10:00Z"), Utc("2026-01-01T00:14:59Z")));
  const ZonedCron yearly = MustMake("@yearly", "Europe/Berlin");
  EXPECT_EQ(FormatRfc3339(
                *yearly.LatestBetween(Utc("2020-01-01T00:00:00Z"), Utc("2026-06-01T00:00:00Z"))),
            "2025-12-31T23:00:00.000Z");
}

TEST(ZonedCronTest, FormatsLocalTimeWithItsOffset) {
  const ZonedCron z = MustMake("@daily", "America/New_York");
  EXPECT_EQ(z.FormatLocal(Utc("2026-03-08T07:00:00Z")), "2026-03-08T03:00:00-04:00");
  EXPECT_EQ(z.FormatLocal(Utc("2026-01-08T07:00:00Z")), "2026-01-08T02:00:00-05:00");
}

TEST(ZonedCronTest, UnknownZoneAndBadCronAreRefusedNamingTheField) {
  Result<ZonedCron> zone = ZonedCron::Make("* * * * *", "Mars/Olympus_Mons");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().message().rfind("timezone \"Mars/Olympus_Mons\" is not", 0), 0u);
  EXPECT_FALSE(ValidateTimezone("../../etc/passwd").ok());
  EXPECT_FALSE(ValidateTimezone("").ok());
  EXPECT_FALSE(ValidateTimezone(std::string(100, 'A')).ok());
  EXPECT_TRUE(ValidateTimezone("UTC").ok());
  EXPECT_TRUE(ValidateTimezone("Asia/Kolkata").ok());
  Result<ZonedCron> cron = ZonedCron::Make("* * *", "UTC");
  ASSERT_FALSE(cron.ok());
  EXPECT_EQ(cron.status().message().rfind("cron must have", 0), 0u);
}

}  // namespace
}  // namespace conveyor
