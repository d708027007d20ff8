// CsvSimplePattern: a matcher for the common subset of POSIX extended regular expressions that
// rule sets use for codes and SKUs — a sequence of literals, '.', bracket expressions such as
// [A-Z0-9_] or [^,], each optionally repeated by *, +, ?, {n}, {n,} or {n,m} — matched against
// a whole value with no allocation, several times faster than glibc's regexec. CsvPattern uses
// it when the pattern fits and the C locale is in force (where regcomp reads bytes the same
// way); anything else (groups, alternation, anchors, classes like [[:alpha:]], back-references,
// other locales) returns nullopt and regexec does the work. Long values go to regexec too.
//
// Thread-safety: immutable after Parse; Matches may be called from many threads.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace conveyor {

class CsvSimplePattern {
 public:
  // Values longer than this are left to regexec (the matcher is quadratic in the worst case).
  static constexpr size_t kMaxValueBytes = 256;

  // nullopt when `pattern` is outside the subset (or the locale is not C/POSIX).
  static std::optional<CsvSimplePattern> Parse(std::string_view pattern);

  // Whole-value match; `value` has at most kMaxValueBytes bytes and no NUL.
  bool Matches(std::string_view value) const;

 private:
  struct Item {
    std::bitset<256> set;  // the bytes this item accepts
    size_t min = 1;
    size_t max = 1;  // kUnbounded for * and +
  };
  static constexpr size_t kUnbounded = static_cast<size_t>(-1);

  bool MatchesShort(std::string_view value) const;  // fewer than 64 bytes

  std::vector<Item> items_;
};

}  // namespace conveyor
