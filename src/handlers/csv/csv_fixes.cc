#include "handlers/csv/csv_fixes.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <vector>

#include "handlers/csv/csv_field_check.h"

namespace conveyor {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Digit groups split by thousands separators: the first 1-3 digits, the others exactly 3.
bool ValidGrouping(std::string_view digits_with_seps, char sep) {
  size_t group = 0, groups = 0;
  for (char c : digits_with_seps) {
    if (c != sep && !IsDigit(c)) return false;  // one kind of separator only
    if (c == sep) {
      if (group == 0 || group > 3 || (groups > 0 && group != 3)) return false;
      ++groups;
      group = 0;
    } else {
      ++group;
    }
  }
  return groups == 0 ? group > 0 : group == 3;
}

// Which of '.', ',' is the decimal mark in `body` (digits and separators), or 0 for none.
char DecimalMark(std::string_view body, bool integer) {
  const size_t dot = body.rfind('.'), comma = body.rfind(',');
  if (dot != std::string_view::npos && comma != std::string_view::npos)
    return dot > comma ? '.' : ',';
  const char mark = dot != std::string_view::npos ? '.' : ',';
  const size_t pos = dot != std::string_view::npos ? dot : comma;
  if (pos == std::string_view::npos) return 0;
  if (body.find(mark) != pos) return 0;  // several: thousands separators
  // One separator before exactly three digits in an int column: "1,234" is a thousand and more.
  if (integer && body.size() - pos - 1 == 3) return 0;
  return mark;
}

}  // namespace

const char* CsvFixName(CsvFixKind k) {
  switch (k) {
    case CsvFixKind::kTrim: return "trim_whitespace";
    case CsvFixKind::kDecimal: return "decimal_separator";
    case CsvFixKind::kDate: return "date_format";
    case CsvFixKind::kEnumCase: return "enum_case";
  }
  return "trim_whitespace";
}

std::string_view TrimCsvValue(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

std::optional<std::string> FixCsvNumber(std::string_view v, bool integer) {
  std::string out;
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    if (v.front() == '-') out.push_back('-');
    v.remove_prefix(1);
  }
  for (char c : v) {
    if (!IsDigit(c) && c != '.' && c != ',' && c != ' ') return std::nullopt;
  }
  const char mark = DecimalMark(v, integer);
  const size_t mark_pos = mark != 0 ? v.rfind(mark) : v.size();
  std::string_view whole = v.substr(0, mark_pos);
  // Whatever separator the whole part uses is a thousands separator; only one kind may appear.
  const size_t sep_pos = whole.find_first_of(". ,");
  if (sep_pos != std::string_view::npos && !ValidGrouping(whole, whole[sep_pos])) return std::nullopt;
  for (char c : whole) {
    if (IsDigit(c)) out.push_back(c);
  }
  if (mark != 0) {
    std::string_view frac = v.substr(mark_pos + 1);
    out.push_back('.');
    out.append(frac);
  }
  const bool valid = integer ? IsCsvInt(out) : IsCsvDecimal(out);
  return valid ? std::optional<std::string>(std::move(out)) : std::nullopt;
}

namespace {

struct DateParts {
  std::vector<std::string_view> numbers;
  int month_name = 0;  // 1..12 when a month was written as a word
  bool bad_word = false;
};

int MonthFromWord(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  std::string lower;
  for (char c : w) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (lower.starts_with(kMonths[i])) return static_cast<int>(i) + 1;
  }
  return 0;
}

DateParts SplitDate(std::string_view v) {
  DateParts parts;
  size_t i = 0;
  while (i < v.size()) {
    const size_t start = i;
    if (IsDigit(v[i])) {
      while (i < v.size() && IsDigit(v[i])) ++i;
      parts.numbers.push_back(v.substr(start, i - start));
    } else if (IsAlpha(v[i])) {
      while (i < v.size() && IsAlpha(v[i])) ++i;
      const int m = MonthFromWord(v.substr(start, i - start));
      if (m == 0 || parts.month_name != 0) parts.bad_word = true;
      parts.month_name = m;
    } else if (v[i] == '/' || v[i] == '.' || v[i] == '-' || v[i] == ' ' || v[i] == ',') {
      ++i;
    } else {
      parts.bad_word = true;
      ++i;
    }
  }
  return parts;
}

int ToInt(std::string_view s) {
  int x = 0;
  std::from_chars(s.data(), s.data() + s.size(), x);
  return x;
}

std::optional<std::string> FormatDate(int y, int m, int d) {
  if (!IsValidDate(y, m, d)) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return std::string(buf);
}

std::optional<std::string> FromNumbers(const std::vector<std::string_view>& n, bool month_first) {
  if (n.size() == 1 && n[0].size() == 8)  // 20240131
    return FormatDate(ToInt(n[0].substr(0, 4)), ToInt(n[0].substr(4, 2)), ToInt(n[0].substr(6)));
  if (n.size() != 3) return std::nullopt;
  if (n[0].size() == 4) return FormatDate(ToInt(n[0]), ToInt(n[1]), ToInt(n[2]));
  if (n[2].size() != 4 || n[0].size() > 2 || n[1].size() > 2) return std::nullopt;
  return month_first ? FormatDate(ToInt(n[2]), ToInt(n[0]), ToInt(n[1]))
                     : FormatDate(ToInt(n[2]), ToInt(n[1]), ToInt(n[0]));
}

}  // namespace

std::optional<std::string> FixCsvDate(std::string_view v, bool month_first) {
  // A timestamp keeps its day: "2024-01-31T10:00:00Z", "2024-01-31 10:00".
  if (v.size() > 10 && (v[10] == 'T' || v[10] == ' ') && IsIsoDate(v.substr(0, 10)))
    return std::string(v.substr(0, 10));
  DateParts p = SplitDate(v);
  if (p.bad_word) return std::nullopt;
  if (p.month_name == 0) return FromNumbers(p.numbers, month_first);
  // "31 Jan 2024", "Jan 31, 2024", "2024 Jan 31": the 4-digit number is the year.
  if (p.numbers.size() != 2) return std::nullopt;
  const bool year_first = p.numbers[0].size() == 4;
  std::string_view year = year_first ? p.numbers[0] : p.numbers[1];
  std::string_view day = year_first ? p.numbers[1] : p.numbers[0];
  if (year.size() != 4 || day.size() > 2) return std::nullopt;
  return FormatDate(ToInt(year), p.month_name, ToInt(day));
}

std::optional<CsvFix> FixCsvValue(const CsvColumnRule& rule, std::string_view v) {
  if (v.empty()) return std::nullopt;
  switch (rule.type) {
    case CsvType::kInt:
    case CsvType::kDecimal: {
      const bool integer = rule.type == CsvType::kInt;
      if (integer ? IsCsvInt(v) : IsCsvDecimal(v)) return std::nullopt;
      auto fixed = FixCsvNumber(v, integer);
      if (!fixed) return std::nullopt;
      return CsvFix{CsvFixKind::kDecimal, std::move(*fixed)};
    }
    case CsvType::kDate: {
      if (IsIsoDate(v)) return std::nullopt;
      auto fixed = FixCsvDate(v, rule.month_first);
      if (!fixed) return std::nullopt;
      return CsvFix{CsvFixKind::kDate, std::move(*fixed)};
    }
    case CsvType::kEnum: {
      if (FindEnumValue(rule, v, /*case_sensitive=*/true)) return std::nullopt;
      const std::string* canonical = FindEnumValue(rule, v, /*case_sensitive=*/false);
      if (canonical == nullptr) return std::nullopt;
      return CsvFix{CsvFixKind::kEnumCase, *canonical};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace conveyor
