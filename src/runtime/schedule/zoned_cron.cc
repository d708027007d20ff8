#include "runtime/schedule/zoned_cron.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace conveyor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Candidates looked at per NextAfter at most: a repeated (fall-back) hour is skipped in one step
// (SkipOverlap), so a handful suffice; the bound only guards against a zone database surprise.
constexpr int kMaxCandidates = 1000;

Result<const date::time_zone*> LocateZone(std::string_view name) {
  const std::string shown = name.size() > kMaxTimezoneLength
                                ? std::string(name.substr(0, kMaxTimezoneLength)) + "..."
                                : std::string(name);
  if (name.empty() || name.size() > kMaxTimezoneLength) {
    return Status::InvalidArgument(
        "timezone must be an IANA time zone name such as "
        "\"Europe/Berlin\" or \"UTC\" (got \"" +
        shown + "\")");
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // locate_zone throws for a name the database lacks (and when /usr/share/zoneinfo is
    // missing, which the message's hint also covers).
    return Status::InvalidArgument("timezone \"" + shown +
                                   "\" is not a known IANA time zone (e.g. \"America/New_York\","
                                   " \"UTC\"); is the tzdata package installed?");
  }
}

}  // namespace

Status ValidateTimezone(std::string_view name) { return LocateZone(name).status(); }

Result<ZonedCron> ZonedCron::Make(std::string_view cron, std::string_view timezone) {
  Result<CronExpr> expr = CronExpr::Parse(cron);
  if (!expr.ok()) return expr.status();
  Result<const date::time_zone*> zone = LocateZone(timezone);
  if (!zone.ok()) return zone.status();
  return ZonedCron(*expr, *zone);
}

int64_t ZonedCron::FireSeconds(const CivilTime& local) const {
  const date::local_seconds lt{seconds{CivilToSeconds(local)}};
  const date::local_info info = zone_->get_info(lt);
  switch (info.result) {
    case date::local_info::nonexistent:  // in a spring-forward gap: the transition instant
      return info.first.end.time_since_epoch().count();
    case date::local_info::ambiguous:  // in a fall-back overlap: the first occurrence
    case date::local_info::unique:
      break;
  }
  return (lt.time_since_epoch() - info.first.offset).count();
}

CivilTime ZonedCron::SkipOverlap(const CivilTime& local) const {
  const date::local_seconds lt{seconds{CivilToSeconds(local)}};
  const date::local_info info = zone_->get_info(lt);
  if (info.result != date::local_info::ambiguous) return local;
  // The overlap's local times end where the first offset's period ends, read in that offset.
  const int64_t end = (info.first.end.time_since_epoch() + info.first.offset).count();
  return SecondsToCivil(std::max(CivilToSeconds(local), end - 1));
}

std::optional<TimeMs> ZonedCron::NextAfter(TimeMs after) const {
  const date::sys_seconds s =
      std::chrono::floor<seconds>(date::sys_time<milliseconds>{milliseconds{after}});
  CivilTime local = SecondsToCivil(zone_->to_local(s).time_since_epoch().count());
  for (int i = 0; i < kMaxCandidates; ++i) {
    std::optional<CivilTime> c = expr_.NextAfter(local);
    if (!c) return std::nullopt;
    const TimeMs fire = FireSeconds(*c) * 1000;
    if (fire > after) return fire;
    // A local time of a repeated hour whose first occurrence is behind us already fired, and so
    // did every later one of that overlap: go on from the overlap's last second.
    local = SkipOverlap(*c);
  }
  return std::nullopt;
}

std::optional<TimeMs> ZonedCron::LatestBetween(TimeMs floor, TimeMs now) const {
  // Widen a window back from `now` until a tick falls in it, then narrow onto the latest:
  // NextAfter is monotone, so the latest tick is NextAfter(lo) for the largest lo whose next
  // tick is still <= now. O(log(now - floor)) NextAfter calls, however long the downtime.
  for (TimeMs width = 1000;; width *= 2) {
    const TimeMs start = std::max(floor, now - width);
    std::optional<TimeMs> first = NextAfter(start);
    if (first && *first <= now) {
      TimeMs lo = start;
      TimeMs hi = now;  // NextAfter(now) > now
      while (hi - lo > 1) {
        const TimeMs mid = lo + (hi - lo) / 2;
        std::optional<TimeMs> n = NextAfter(mid);
        (n && *n <= now ? lo : hi) = mid;
      }
      return NextAfter(lo);
    }
    if (start <= floor || width > (TimeMs{1} << 50)) return std::nullopt;
  }
}

std::string ZonedCron::FormatLocal(TimeMs t) const {
  const date::sys_seconds s =
      std::chrono::floor<seconds>(date::sys_time<milliseconds>{milliseconds{t}});
  return date::format("%FT%T%Ez", date::make_zoned(zone_, s));
}

}  // namespace conveyor
