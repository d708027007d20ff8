// Checks one CSV value against its column's rule (type, length, range, enum, pattern) — the
// per-cell part of csv.validate. Uniqueness and required columns are checked by the caller,
// which sees the whole file.
//
// Thread-safety: pure functions; CsvPattern is immutable after construction and RE2 matching is
// thread-safe, so one compiled pattern may be shared by many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/csv/csv_simple_pattern.h"

namespace re2 {
class RE2;
}

namespace conveyor {

// A POSIX extended regular expression matched against a whole value, byte by byte (Latin-1, as
// regcomp read it in the C locale), by RE2: linear time in the value, and compiled under a
// memory budget so a pattern from an anonymous request cannot stall or bloat the server.
// No back-references (RE2 has none); everything else of the ERE syntax is accepted.
class CsvPattern {
 public:
  // What one compiled pattern may use (program and match-time DFA caches together).
  static constexpr int64_t kMaxMemoryBytes = 1 << 20;
  // RE2 expands counted repetitions before it compiles, outside that budget: a 1 MB pattern of
  // [a-z]{1000} took 7 s and 1 GB to refuse. At 1 KiB the worst pattern costs ~25 ms.
  static constexpr size_t kMaxPatternBytes = 1024;

  // InvalidArgument with a sentence when the pattern does not compile or is over the budget.
  static Result<std::shared_ptr<const CsvPattern>> Compile(const std::string& pattern);
  ~CsvPattern();
  CsvPattern(const CsvPattern&) = delete;
  CsvPattern& operator=(const CsvPattern&) = delete;

  bool Matches(std::string_view value) const;

  // RE2's instruction count: compile time is about proportional to it (~0.35 µs each).
  int program_size() const;

 private:
  CsvPattern() = default;
  std::unique_ptr<re2::RE2> re_;
  std::optional<CsvSimplePattern> simple_;  // the fast path, when the pattern fits its subset
};

struct CsvViolation {
  const char* rule;     // "int", "decimal", "date", "enum", "regex", "min_length", "max_length",
                        // "min", "max"
  std::string message;  // e.g. "\"12a\" is not a whole number"
};

// nullopt when `value` (non-empty, followed by a NUL byte) satisfies `rule`.
std::optional<CsvViolation> CheckCsvValue(const CsvColumnRule& rule, std::string_view value);

// The allowed value equal to `v` (ignoring ASCII case unless case_sensitive), or nullptr.
const std::string* FindEnumValue(const CsvColumnRule& rule, std::string_view v,
                                 bool case_sensitive);

// Exposed for the fixer and tests.
bool IsCsvInt(std::string_view v);
bool IsCsvDecimal(std::string_view v);
bool IsIsoDate(std::string_view v);  // YYYY-MM-DD, a real calendar day
bool IsValidDate(int year, int month, int day);
size_t Utf8Length(std::string_view v);

}  // namespace conveyor
