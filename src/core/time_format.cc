#include "core/time_format.h"

#include <chrono>
#include <cstdio>

namespace conveyor {
namespace {

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339(TimeMs t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(t)));
  const year_month_day ymd(day);
  const int64_t ms_of_day = t - duration_cast<milliseconds>(day.time_since_epoch()).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(ms_of_day / 3600000),
                int(ms_of_day / 60000 % 60), int(ms_of_day / 1000 % 60), int(ms_of_day % 1000));
  return buf;
}

std::optional<TimeMs> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!ReadInt(s, 0, 4, &y) || !ReadInt(s, 5, 2, &mo) || !ReadInt(s, 8, 2, &d) ||
      !ReadInt(s, 11, 2, &h) || !ReadInt(s, 14, 2, &mi) || !ReadInt(s, 17, 2, &se))
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(unsigned(mo)), day(unsigned(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (pos + 6 != s.size() || s[pos + 3] != ':' || !ReadInt(s, pos + 1, 2, &oh) ||
          !ReadInt(s, pos + 4, 2, &om) || oh > 23 || om > 59)
        return std::nullopt;
      offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
      pos += 6;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days_since = sys_days(ymd).time_since_epoch().count();
  const TimeMs t = ((days_since * 86400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms;
  // An offset can push a valid local time past 9999-12-31 (or before year 0) in UTC, which
  // FormatRfc3339 cannot write back in four digits: refuse it rather than echo "0000-…".
  if (t < kMinRfc3339Ms || t > kMaxRfc3339Ms) return std::nullopt;
  return t;
}

}  // namespace conveyor
