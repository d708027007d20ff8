#include "handlers/csv/csv_field_check.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <memory>

#include <re2/re2.h>

namespace conveyor {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view v) {
  for (char c : v) {
    if (!IsDigit(c)) return false;
  }
  return !v.empty();
}

std::string_view WithoutSign(std::string_view v) {
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) v.remove_prefix(1);
  return v;
}

std::string Quoted(std::string_view v) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  out.append(v.substr(0, kMaxShown));
  out.append(v.size() > kMaxShown ? "…\"" : "\"");
  return out;
}

// An optional sign, digits, optionally '.' and more digits, at most 15 digits in all: the
// digits as a whole number and the power of ten are exact doubles, so their quotient is the
// correctly rounded value from_chars would give (Clinger's fast path), several times cheaper.
std::optional<double> SmallNumber(std::string_view v) {
  static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const bool negative = !v.empty() && v.front() == '-';
  v = WithoutSign(v);
  const size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : v.substr(dot + 1);
  if (!AllDigits(whole) || (dot != std::string_view::npos && !AllDigits(frac)) ||
      whole.size() + frac.size() > 15) {
    return std::nullopt;
  }
  uint64_t x = 0;
  for (char c : whole) x = x * 10 + static_cast<uint64_t>(c - '0');
  for (char c : frac) x = x * 10 + static_cast<uint64_t>(c - '0');
  const double d = static_cast<double>(x) / kPow10[frac.size()];
  return negative ? -d : d;
}

// from_chars rejects a leading '+'.
std::optional<double> ToNumber(std::string_view v) {
  if (std::optional<double> x = SmallNumber(v)) return x;
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return x;
}

std::string FormatNumber(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  (void)ec;  // 32 characters hold any double's shortest form
  return std::string(buf, end);
}

std::optional<CsvViolation> CheckType(const CsvColumnRule& rule, std::string_view v) {
  switch (rule.type) {
    case CsvType::kString:
      return std::nullopt;
    case CsvType::kInt:
      if (IsCsvInt(v)) return std::nullopt;
      return CsvViolation{"int", Quoted(v) + " is not a whole number"};
    case CsvType::kDecimal:
      if (IsCsvDecimal(v)) return std::nullopt;
      return CsvViolation{"decimal", Quoted(v) + " is not a decimal number such as 12.50"};
    case CsvType::kDate:
      if (IsIsoDate(v)) return std::nullopt;
      return CsvViolation{"date", Quoted(v) + " is not a date in the form YYYY-MM-DD"};
    case CsvType::kEnum:
      if (FindEnumValue(rule, v, rule.case_sensitive)) return std::nullopt;
      return CsvViolation{"enum", Quoted(v) + " is not one of the allowed values"};
    case CsvType::kRegex:
      if (rule.compiled && rule.compiled->Matches(v)) return std::nullopt;
      return CsvViolation{"regex", Quoted(v) + " does not match " + rule.pattern};
  }
  return std::nullopt;
}

std::optional<CsvViolation> CheckLength(const CsvColumnRule& rule, std::string_view v) {
  if (!rule.min_length && !rule.max_length) return std::nullopt;
  const size_t n = Utf8Length(v);
  if (rule.min_length && n < *rule.min_length) {
    return CsvViolation{"min_length", Quoted(v) + " is shorter than " +
                                          std::to_string(*rule.min_length) + " characters"};
  }
  if (rule.max_length && n > *rule.max_length) {
    return CsvViolation{"max_length", Quoted(v) + " is longer than " +
                                          std::to_string(*rule.max_length) + " characters"};
  }
  return std::nullopt;
}

std::optional<CsvViolation> CheckRange(const CsvColumnRule& rule, std::string_view v) {
  if (!rule.min && !rule.max) return std::nullopt;
  std::optional<double> x = ToNumber(v);
  if (!x) return std::nullopt;  // only numeric columns carry min/max; the type check said why
  if (rule.min && *x < *rule.min)
    return CsvViolation{"min", Quoted(v) + " is below the minimum " + FormatNumber(*rule.min)};
  if (rule.max && *x > *rule.max)
    return CsvViolation{"max", Quoted(v) + " is above the maximum " + FormatNumber(*rule.max)};
  return std::nullopt;
}

}  // namespace

namespace {

// ERE as regcomp(REG_EXTENDED) read it without REG_NEWLINE, in the C locale: bytes, '.' matches
// a newline, '^' and '$' only at the ends of the value.
re2::RE2::Options PatternOptions() {
  re2::RE2::Options o;
  o.set_posix_syntax(true);
  o.set_encoding(re2::RE2::Options::EncodingLatin1);
  o.set_one_line(true);
  o.set_dot_nl(true);
  o.set_never_capture(true);
  o.set_log_errors(false);  // the pattern comes from a request: its errors are the client's
  o.set_max_mem(CsvPattern::kMaxMemoryBytes);
  return o;
}

}  // namespace

Result<std::shared_ptr<const CsvPattern>> CsvPattern::Compile(const std::string& pattern) {
  if (pattern.size() > kMaxPatternBytes)
    return Status::InvalidArgument("the pattern is longer than 1024 bytes");
  std::shared_ptr<CsvPattern> p(new CsvPattern());
  p->re_ = std::make_unique<re2::RE2>(pattern, PatternOptions());
  if (p->re_->error_code() == re2::RE2::ErrorPatternTooLarge) {
    return Status::InvalidArgument(
        "the pattern is too large once compiled (over the 1 MiB budget per pattern): use "
        "fewer or smaller repetition counts such as {1,200}");
  }
  if (!p->re_->ok()) return Status::InvalidArgument(p->re_->error());
  p->simple_ = CsvSimplePattern::Parse(pattern);
  return std::shared_ptr<const CsvPattern>(std::move(p));
}

CsvPattern::~CsvPattern() = default;

int CsvPattern::program_size() const { return re_->ProgramSize(); }

bool CsvPattern::Matches(std::string_view value) const {
  // The simple matcher never accepts a NUL byte; RE2 sees NUL as an ordinary byte, but a value
  // holding one never matched under regexec, and still does not.
  if (simple_ && value.size() <= CsvSimplePattern::kMaxValueBytes) return simple_->Matches(value);
  if (value.find('\0') != std::string_view::npos) return false;
  // Anchored at both ends, so the pattern describes the whole value as a rule set's author expects.
  return re2::RE2::FullMatch(value, *re_);
}

const std::string* FindEnumValue(const CsvColumnRule& rule, std::string_view v,
                                 bool case_sensitive) {
  for (const std::string& allowed : rule.values) {
    if (allowed.size() != v.size()) continue;
    if (case_sensitive ? allowed == v
                       : std::equal(allowed.begin(), allowed.end(), v.begin(), [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) ==
                                  std::tolower(static_cast<unsigned char>(b));
                         })) {
      return &allowed;
    }
  }
  return nullptr;
}

bool IsCsvInt(std::string_view v) {
  if (!AllDigits(WithoutSign(v))) return false;
  if (WithoutSign(v).size() <= 18) return true;  // int64 holds every 18-digit number
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  return ec == std::errc() && end == v.data() + v.size();
}

bool IsCsvDecimal(std::string_view v) {
  v = WithoutSign(v);
  const size_t dot = v.find('.');
  if (dot == std::string_view::npos) return AllDigits(v);
  return AllDigits(v.substr(0, dot)) && AllDigits(v.substr(dot + 1));
}

bool IsValidDate(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool IsIsoDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  if (!AllDigits(v.substr(0, 4)) || !AllDigits(v.substr(5, 2)) || !AllDigits(v.substr(8, 2)))
    return false;
  const auto num = [&](size_t pos, size_t n) {
    int x = 0;  // digits, checked above
    for (size_t i = pos; i < pos + n; ++i) x = x * 10 + (v[i] - '0');
    return x;
  };
  return IsValidDate(num(0, 4), num(5, 2), num(8, 2));
}

size_t Utf8Length(std::string_view v) {
  // Counts the bytes that start a code point (everything but 10xxxxxx continuation bytes).
  return static_cast<size_t>(std::count_if(v.begin(), v.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::optional<CsvViolation> CheckCsvValue(const CsvColumnRule& rule, std::string_view value) {
  if (auto v = CheckType(rule, value)) return v;
  if (auto v = CheckLength(rule, value)) return v;
  return CheckRange(rule, value);
}

}  // namespace conveyor
