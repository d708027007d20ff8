// Cron expressions: the text of a schedule ("*/15 9-17 * * MON-FRI") parsed into the sets of
// seconds, minutes, hours, days, months and weekdays it matches, and the search for the next
// matching wall-clock time. Wall-clock only: which instant a local time is in a time zone (and
// what a DST gap or overlap does to it) is runtime/schedule/zoned_cron.h's concern, since the
// time-zone database is not part of the standard library core may use.
//
// Syntax (Vixie cron, plus an optional leading seconds field):
//   [second] minute hour day-of-month month day-of-week
//   each field: a comma list of `*`, `N`, `N-M`, each optionally `/step`, or `N/step` (N to
//   the field's end); months JAN-DEC and weekdays SUN-SAT by name (any case); weekday 7 is
//   Sunday. Or one of @yearly @annually @monthly @weekly @daily @midnight @hourly.
// Without a seconds field a schedule fires at second 0. Day rule (Vixie): when both
// day-of-month and day-of-week are restricted (neither starts with `*`), a day matches if
// EITHER matches; otherwise both must (the `*` one always does).
//
// Value type; thread-safe to share once parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace conveyor {

inline constexpr size_t kMaxCronLength = 256;

// A wall-clock time, no zone: year, month 1-12, day 1-31, hour 0-23, minute, second 0-59.
struct CivilTime {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  friend bool operator==(const CivilTime&, const CivilTime&) = default;
};

// Seconds since 1970-01-01T00:00:00 of a civil time read as if it were UTC, and back.
int64_t CivilToSeconds(const CivilTime& t);
CivilTime SecondsToCivil(int64_t seconds);
// 0 = Sunday .. 6 = Saturday.
int CivilWeekday(const CivilTime& t);
int DaysInMonth(int year, int month);

class CronExpr {
 public:
  // InvalidArgument naming the field and the reason, e.g. "cron field 2 (hour): 24 is out of
  // range 0-23". Also refuses a day set that no month given has ("31 in APR never occurs").
  static Result<CronExpr> Parse(std::string_view text);

  bool Matches(const CivilTime& t) const;
  // The earliest matching civil time strictly after `t` (whole seconds), or nullopt when none
  // falls within the next 30 years (cannot happen for a parsed expression, kept as a bound).
  std::optional<CivilTime> NextAfter(const CivilTime& t) const;
  bool has_seconds() const { return has_seconds_; }

 private:
  bool DayMatches(const CivilTime& t) const;

  uint64_t seconds_ = 0;  // bit i: second i
  uint64_t minutes_ = 0;
  uint32_t hours_ = 0;
  uint32_t days_ = 0;     // bit d: day-of-month d (1..31)
  uint16_t months_ = 0;   // bit m: month m (1..12)
  uint8_t weekdays_ = 0;  // bit w: 0 = Sunday
  bool day_star_ = false;
  bool weekday_star_ = false;
  bool has_seconds_ = false;
};

}  // namespace conveyor
