#include "core/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace conveyor {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is value min + i, or null
  int name_count;
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr FieldSpec kSecond{"second", 0, 59, nullptr, 0};
constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0};
constexpr FieldSpec kDay{"day-of-month", 1, 31, nullptr, 0};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, 12};
// 7 is accepted as Sunday and folded onto 0 after parsing.
constexpr FieldSpec kWeekday{"day-of-week", 0, 7, kDayNames, 7};

struct Macro {
  const char* name;
  const char* expansion;
};
constexpr Macro kMacros[] = {
    {"@yearly", "0 0 0 1 1 *"}, {"@annually", "0 0 0 1 1 *"}, {"@monthly", "0 0 0 1 * *"},
    {"@weekly", "0 0 0 * * 0"}, {"@daily", "0 0 0 * * *"},    {"@midnight", "0 0 0 * * *"},
    {"@hourly", "0 0 * * * *"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

// Parses one field into a bit set; `position` (1-based) and the spec name the field in errors.
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, int position) : spec_(spec), position_(position) {}

  Result<uint64_t> Parse(std::string_view text) const {
    if (text.empty()) return Error("must not be empty");
    uint64_t bits = 0;
    for (std::string_view item : Split(text, ',')) {
      Result<uint64_t> b = ParseItem(item);
      if (!b.ok()) return b.status();
      bits |= *b;
    }
    return bits;
  }

 private:
  Status Error(const std::string& why) const {
    return Status::InvalidArgument("cron field " + std::to_string(position_) + " (" + spec_.name +
                                   "): " + why);
  }

  Result<int> Value(std::string_view text) const {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      if (spec_.names != nullptr) {
        const std::string lower = Lower(text);
        for (int i = 0; i < spec_.name_count; ++i) {
          if (lower == spec_.names[i]) return spec_.min + i;
        }
      }
      return Error("'" + std::string(text) + "' is not a number" +
                   (spec_.names != nullptr ? " or a name" : ""));
    }
    if (v < spec_.min || v > spec_.max) {
      return Error(std::to_string(v) + " is out of range " + std::to_string(spec_.min) + "-" +
                   std::to_string(spec_.max));
    }
    return v;
  }

  Result<uint64_t> ParseItem(std::string_view item) const {
    if (item.empty()) return Error("has an empty list item");
    int step = 1;
    const size_t slash = item.find('/');
    std::string_view range = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
      if (ec != std::errc() || end != s.data() + s.size() || step < 1 ||
          step > spec_.max - spec_.min + 1) {
        return Error("step '" + std::string(s) + "' must be a whole number from 1 to " +
                     std::to_string(spec_.max - spec_.min + 1));
      }
    }
    int lo = spec_.min;
    int hi = spec_.max;
    if (range != "*") {
      const size_t dash = range.find('-');
      Result<int> a = Value(range.substr(0, dash));
      if (!a.ok()) return a.status();
      lo = *a;
      hi = slash != std::string_view::npos ? spec_.max : lo;  // "N/step" runs to the end
      if (dash != std::string_view::npos) {
        Result<int> b = Value(range.substr(dash + 1));
        if (!b.ok()) return b.status();
        hi = *b;
      }
      if (hi < lo) {
        return Error("range " + std::string(range) + " runs backwards (write " +
                     std::to_string(hi) + "-" + std::to_string(lo) + ")");
      }
    }
    uint64_t bits = 0;
    for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
    return bits;
  }

  const FieldSpec& spec_;
  int position_;
};

bool Bit(uint64_t bits, int i) { return (bits >> i) & 1U; }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t CivilToSeconds(const CivilTime& t) {
  return DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

CivilTime SecondsToCivil(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t rem = seconds - days * 86400;
  // H. Hinnant's civil_from_days.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return {y,
          m,
          d,
          static_cast<int>(rem / 3600),
          static_cast<int>(rem % 3600 / 60),
          static_cast<int>(rem % 60)};
}

int CivilWeekday(const CivilTime& t) {
  const int64_t days = DaysFromCivil(t.year, t.month, t.day);
  return static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
}

Result<CronExpr> CronExpr::Parse(std::string_view text) {
  if (text.size() > kMaxCronLength) {
    return Status::InvalidArgument("cron is longer than " + std::to_string(kMaxCronLength) +
                                   " characters");
  }
  std::vector<std::string_view> fields = SplitWhitespace(text);
  if (!fields.empty() && fields[0].starts_with('@')) {
    const std::string lower = Lower(fields[0]);
    for (const Macro& m : kMacros) {
      if (lower == m.name && fields.size() == 1) return Parse(m.expansion);
    }
    return Status::InvalidArgument("cron macro " + std::string(text) +
                                   " is unknown: use @yearly, @annually, @monthly, @weekly, "
                                   "@daily, @midnight or @hourly");
  }
  if (fields.size() != 5 && fields.size() != 6) {
    return Status::InvalidArgument(
        "cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 with a "
        "leading seconds field; got " +
        std::to_string(fields.size()));
  }
  CronExpr e;
  e.has_seconds_ = fields.size() == 6;
  const size_t base = e.has_seconds_ ? 1 : 0;
  const FieldSpec* specs[] = {&kMinute, &kHour, &kDay, &kMonth, &kWeekday};
  uint64_t bits[5] = {};
  if (e.has_seconds_) {
    Result<uint64_t> s = FieldParser(kSecond, 1).Parse(fields[0]);
    if (!s.ok()) return s.status();
    e.seconds_ = *s;
  } else {
    e.seconds_ = 1;  // second 0
  }
  for (size_t i = 0; i < 5; ++i) {
    Result<uint64_t> b =
        FieldParser(*specs[i], static_cast<int>(base + i + 1)).Parse(fields[base + i]);
    if (!b.ok()) return b.status();
    bits[i] = *b;
  }
  e.minutes_ = bits[0];
  e.hours_ = static_cast<uint32_t>(bits[1]);
  e.days_ = static_cast<uint32_t>(bits[2]);
  e.months_ = static_cast<uint16_t>(bits[3]);
  e.weekdays_ = static_cast<uint8_t>((bits[4] & 0x7F) | (Bit(bits[4], 7) ? 1 : 0));
  e.day_star_ = fields[base + 2].starts_with('*');
  e.weekday_star_ = fields[base + 4].starts_with('*');
  // A day set that no chosen month has (31 in April, 30 in February) would never fire; only
  // when the weekday does not widen the match (Vixie's OR rule).
  if (!e.weekday_star_ && !e.day_star_) return e;
  for (int m = 1; m <= 12; ++m) {
    for (int d = 1; d <= DaysInMonth(2000, m); ++d) {
      if (Bit(e.months_, m) && Bit(e.days_, d)) return e;
    }
  }
  return Status::InvalidArgument("cron field " + std::to_string(base + 3) +
                                 " (day-of-month) never occurs in the months of field " +
                                 std::to_string(base + 4) + " (month)");
}

bool CronExpr::DayMatches(const CivilTime& t) const {
  const bool day = Bit(days_, t.day);
  const bool weekday = Bit(weekdays_, CivilWeekday(t));
  if (day_star_ || weekday_star_) return day && weekday;
  return day || weekday;
}

bool CronExpr::Matches(const CivilTime& t) const {
  return Bit(months_, t.month) && DayMatches(t) && Bit(hours_, t.hour) && Bit(minutes_, t.minute) &&
         Bit(seconds_, t.second);
}

std::optional<CivilTime> CronExpr::NextAfter(const CivilTime& from) const {
  CivilTime t = SecondsToCivil(CivilToSeconds(from) + 1);
  const int last_year = from.year + 30;
  // Each step either matches or moves the smallest unmatched unit to its next start, so the
  // loop ends after at most a few thousand steps (one per day over a 30-year horizon at worst).
  while (t.year <= last_year) {
    if (!Bit(months_, t.month)) {
      t = {t.month == 12 ? t.year + 1 : t.year, t.month == 12 ? 1 : t.month + 1, 1, 0, 0, 0};
    } else if (!DayMatches(t)) {
      t = SecondsToCivil(CivilToSeconds({t.year, t.month, t.day, 0, 0, 0}) + 86400);
    } else if (!Bit(hours_, t.hour)) {
      t = SecondsToCivil(CivilToSeconds({t.year, t.month, t.day, t.hour, 0, 0}) + 3600);
    } else if (!Bit(minutes_, t.minute)) {
      t = SecondsToCivil(CivilToSeconds({t.year, t.month, t.day, t.hour, t.minute, 0}) + 60);
    } else if (!Bit(seconds_, t.second)) {
      t = SecondsToCivil(CivilToSeconds(t) + 1);
    } else {
      return t;
    }
  }
  return std::nullopt;
}

}  // namespace conveyor
