// ZonedCron: a cron expression (core/cron.h) in an IANA time zone, mapped to instants. The
// time-zone database is Howard Hinnant's date/tz (Debian's libhowardhinnant-date-dev, reading
// the system's /usr/share/zoneinfo from the tzdata package).
//
// Daylight saving time, the rule (cronie's for fixed-time jobs):
//   - a local time skipped by spring-forward fires once, at the first instant after the gap
//     (the transition); several matching times inside one gap fire once together;
//   - a local time repeated by fall-back fires once, at its first occurrence; the repeated hour
//     does not fire again, so an every-minute schedule is silent for that hour.
// Value type; thread-safe to share once made (the zone database is immutable after loading).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/cron.h"
#include "core/status.h"

namespace date {
class time_zone;
}  // namespace date

namespace conveyor {

inline constexpr size_t kMaxTimezoneLength = 64;

class ZonedCron {
 public:
  // InvalidArgument starting "cron" or "timezone" for a bad expression or an unknown zone.
  static Result<ZonedCron> Make(std::string_view cron, std::string_view timezone);

  // The first fire time strictly after `after`, or nullopt if the expression never fires again.
  std::optional<TimeMs> NextAfter(TimeMs after) const;
  // The latest fire time t with floor < t <= now (the tick a catch-up fires), or nullopt.
  std::optional<TimeMs> LatestBetween(TimeMs floor, TimeMs now) const;
  // `t` as local time with its offset, e.g. "2026-03-08T03:00:00-04:00".
  std::string FormatLocal(TimeMs t) const;

 private:
  ZonedCron(CronExpr expr, const date::time_zone* zone) : expr_(expr), zone_(zone) {}
  // The instant a matching local time fires at (the DST rule above), in whole seconds.
  int64_t FireSeconds(const CivilTime& local) const;
  // `local` itself, or the last second of the fall-back overlap it lies in.
  CivilTime SkipOverlap(const CivilTime& local) const;

  CronExpr expr_;
  const date::time_zone* zone_;
};

// OK, or InvalidArgument naming `timezone` when `name` is not an IANA zone of this system.
Status ValidateTimezone(std::string_view name);

}  // namespace conveyor
