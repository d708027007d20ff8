// CronExpr: parsing (fields, lists, ranges, steps, names, macros, errors naming the field) and
// the next matching wall-clock time (month ends, Feb 29, Vixie's day-of-month/day-of-week rule).
#include "core/cron.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

CronExpr MustParse(std::string_view text) {
  Result<CronExpr> e = CronExpr::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  return e.ok() ? *e : *CronExpr::Parse("* * * * *");
}

CivilTime At(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return {y, mo, d, h, mi, s};
}

CivilTime Next(std::string_view cron, const CivilTime& from) {
  std::optional<CivilTime> t = MustParse(cron).NextAfter(from);
  EXPECT_TRUE(t.has_value()) << cron;
  return t.value_or(CivilTime{});
}

std::string ParseError(std::string_view text) {
  Result<CronExpr> e = CronExpr::Parse(text);
  EXPECT_FALSE(e.ok()) << text;
  return e.ok() ? "" : e.status().message();
}

TEST(CivilTimeTest, SecondsRoundTripAndWeekdays) {
  const CivilTime t = At(2024, 2, 29, 13, 14, 15);
  EXPECT_EQ(SecondsToCivil(CivilToSeconds(t)), t);
  EXPECT_EQ(CivilToSeconds(At(1970, 1, 1)), 0);
  EXPECT_EQ(SecondsToCivil(-1), At(1969, 12, 31, 23, 59, 59));
  EXPECT_EQ(CivilWeekday(At(1970, 1, 1)), 4);    // Thursday
  EXPECT_EQ(CivilWeekday(At(2026, 12, 4)), 5);   // Friday
  EXPECT_EQ(CivilWeekday(At(1969, 12, 28)), 0);  // Sunday
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
}

TEST(CronExprTest, FiveFieldsFireAtSecondZeroEveryMinute) {
  EXPECT_EQ(Next("* * * * *", At(2026, 1, 1, 10, 0, 30)), At(2026, 1, 1, 10, 1, 0));
  EXPECT_EQ(Next("* * * * *", At(2026, 12, 31, 23, 59, 0)), At(2027, 1, 1, 0, 0, 0));
  EXPECT_FALSE(MustParse("* * * * *").has_seconds());
}

TEST(CronExprTest, SixFieldsHaveALeadingSecondsField) {
  EXPECT_TRUE(MustParse("* * * * * *").has_seconds());
  EXPECT_EQ(Next("* * * * * *", At(2026, 1, 1, 10, 0, 30)), At(2026, 1, 1, 10, 0, 31));
  EXPECT_EQ(Next("*/15 * * * * *", At(2026, 1, 1, 10, 0, 30)), At(2026, 1, 1, 10, 0, 45));
  EXPECT_EQ(Next("30 0 12 * * *", At(2026, 1, 1, 12, 0, 30)), At(2026, 1, 2, 12, 0, 30));
}

TEST(CronExprTest, ListsRangesStepsAndNames) {
  const CivilTime fri = At(2026, 12, 4, 17, 50);
  EXPECT_EQ(Next("*/15 9-17 * * MON-FRI", fri), At(2026, 12, 7, 9, 0));
  EXPECT_EQ(Next("0 9,12 * * *", At(2026, 1, 1, 10)), At(2026, 1, 1, 12));
  EXPECT_EQ(Next("0 0 1 jan,Jul *", At(2026, 2, 1)), At(2026, 7, 1));
  EXPECT_EQ(Next("5/20 * * * *", At(2026, 1, 1, 0, 26)), At(2026, 1, 1, 0, 45));
  EXPECT_EQ(Next("0 1-10/3 * * *", At(2026, 1, 1, 4, 30)), At(2026, 1, 1, 7));
  EXPECT_EQ(Next("0 0 * * 7", At(2026, 12, 4)), At(2026, 12, 6));  // 7 is Sunday
  EXPECT_EQ(Next("0 0 * * sun", At(2026, 12, 4)), At(2026, 12, 6));
}

TEST(CronExprTest, MacrosExpandToTheirSchedules) {
  const CivilTime t = At(2026, 5, 17, 10, 30);
  EXPECT_EQ(Next("@hourly", t), At(2026, 5, 17, 11));
  EXPECT_EQ(Next("@daily", t), At(2026, 5, 18));
  EXPECT_EQ(Next("@midnight", t), At(2026, 5, 18));
  EXPECT_EQ(Next("@weekly", t), At(2026, 5, 24));  // the next Sunday
  EXPECT_EQ(Next("@monthly", t), At(2026, 6, 1));
  EXPECT_EQ(Next("@yearly", t), At(2027, 1, 1));
  EXPECT_EQ(Next("@ANNUALLY", t), At(2027, 1, 1));
}

TEST(CronExprTest, LastDayOfMonthAndFebruary29) {
  EXPECT_EQ(Next("0 0 31 * *", At(2026, 1, 31, 1)), At(2026, 3, 31));  // Feb, then Mar 31
  EXPECT_EQ(Next("0 0 29 2 *", At(2026, 3, 1)), At(2028, 2, 29));
  EXPECT_EQ(Next("0 0 29 2 *", At(2096, 3, 1)), At(2104, 2, 29));  // 2100 is no leap year
  EXPECT_EQ(Next("0 0 28-31 * *", At(2026, 2, 28, 1)), At(2026, 3, 28));
}

TEST(CronExprTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // Vixie: "13th OR Friday" when both fields are restricted.
  EXPECT_EQ(Next("0 0 13 * FRI", At(2026, 12, 1)), At(2026, 12, 4));       // a Friday
  EXPECT_EQ(Next("0 0 13 * FRI", At(2026, 12, 11, 1)), At(2026, 12, 13));  // the 13th (Sunday)
  // A `*` field (also `*/2`) does not widen the match: both must hold.
  EXPECT_EQ(Next("0 0 * * FRI", At(2026, 12, 1)), At(2026, 12, 4));
  EXPECT_EQ(Next("0 0 */2 * FRI", At(2026, 12, 1)), At(2026, 12, 11));  // odd days only
  // OR keeps an impossible day alive through the weekday: Feb 30 or any Monday of February.
  EXPECT_EQ(Next("0 0 30 2 MON", At(2026, 12, 1)), At(2027, 2, 1));
}

TEST(CronExprTest, ErrorsNameTheFieldAndTheReason) {
  EXPECT_EQ(ParseError("0 24 * * *"), "cron field 2 (hour): 24 is out of range 0-23");
  EXPECT_EQ(ParseError("60 * * * * *"), "cron field 1 (second): 60 is out of range 0-59");
  EXPECT_EQ(ParseError("* * * FOO *"), "cron field 4 (month): 'FOO' is not a number or a name");
  EXPECT_EQ(ParseError("* * 0 * *"), "cron field 3 (day-of-month): 0 is out of range 1-31");
  EXPECT_EQ(ParseError("* * * * 8"), "cron field 5 (day-of-week): 8 is out of range 0-7");
  EXPECT_EQ(ParseError("*/0 * * * *"),
            "cron field 1 (minute): step '0' must be a whole number from 1 to 60");
  EXPECT_EQ(ParseError("30-10 * * * *"),
            "cron field 1 (minute): range 30-10 runs backwards (write 10-30)");
  EXPECT_EQ(ParseError("1,,2 * * * *"), "cron field 1 (minute): has an empty list item");
  EXPECT_NE(ParseError("* * * *").find("must have 5 fields"), std::string::npos);
  EXPECT_NE(ParseError("* * * * * * *").find("got 7"), std::string::npos);
  EXPECT_NE(ParseError("").find("got 0"), std::string::npos);
  EXPECT_NE(ParseError("@every 5m").find("cron macro"), std::string::npos);
  EXPECT_NE(ParseError("@fortnightly").find("@hourly"), std::string::npos);
  EXPECT_NE(ParseError(std::string(300, '*')).find("longer than 256"), std::string::npos);
}

TEST(CronExprTest, DaysNoChosenMonthHasAreRefused) {
  EXPECT_EQ(ParseError("0 0 31 4 *"),
            "cron field 3 (day-of-month) never occurs in the months of field 4 (month)");
  EXPECT_EQ(ParseError("0 0 0 30 2 *"),
            "cron field 4 (day-of-month) never occurs in the months of field 5 (month)");
  EXPECT_TRUE(CronExpr::Parse("0 0 29 2 *").ok());  // leap years have it
}

}  // namespace
}  // namespace conveyor
