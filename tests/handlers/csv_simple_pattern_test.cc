// CsvSimplePattern against RE2 (as CsvPattern configures it) as the oracle: every pattern of
// the subset must give RE2's answer on every value, and patterns outside the subset must be
// refused.
#include "handlers/csv/csv_simple_pattern.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>
#include <vector>

namespace conveyor {
namespace {

// The options of CsvPattern (csv_field_check.cc): POSIX ERE over bytes, whole-value match.
bool Re2Matches(const std::string& pattern, const std::string& value) {
  re2::RE2::Options o;
  o.set_posix_syntax(true);
  o.set_encoding(re2::RE2::Options::EncodingLatin1);
  o.set_one_line(true);
  o.set_dot_nl(true);
  o.set_never_capture(true);
  re2::RE2 re(pattern, o);
  EXPECT_TRUE(re.ok()) << pattern << ": " << re.error();
  return re2::RE2::FullMatch(value, re);
}

TEST(CsvSimplePatternTest, AgreesWithRe2OnTheSubset) {
  const std::vector<std::string> patterns = {
      "[A-Z]{3}-[0-9]+", "[A-Z]+-[0-9]+", "abc", "a.c", "a*", "a+b?c*", "[^,]+", "[]a]+",
      "[^]a]*", "[a-]x", "[-a]x", "x{2,}", "x{0}y", "x{1,3}", "[0-9]{4}-[0-9]{2}-[0-9]{2}",
      "\\.\\*\\[", "[a-z]*a", "a*a*a*b", ".*", ".+z", "[A-Za-z_][A-Za-z0-9_]*", "Q?[0-9]{0,2}"};
  const std::vector<std::string> values = {
      "", "ABC-1", "ABC-123", "AB-1", "ABCD-1", "abc-1", "abc", "abbc", "ac", "a\nc", "aaa",
      "aaab", "b", "c", "a,b", "]a]", "x", "xx", "xxxx", "y", "-x", "ax", "2024-01-31",
      "2024-1-31", ".*[", "a*[", "zzz", "z", "_id9", "9id", "Q12", "Q123", "\xC3\xA9", "a b"};
  for (const std::string& p : patterns) {
    const std::optional<CsvSimplePattern> simple = CsvSimplePattern::Parse(p);
    ASSERT_TRUE(simple.has_value()) << p;
    for (const std::string& v : values)
      EXPECT_EQ(simple->Matches(v), Re2Matches(p, v)) << p << " on \"" << v << "\"";
  }
}

TEST(CsvSimplePatternTest, LeavesEverythingElseToRegcomp) {
  for (const char* p : {"", "a|b", "(ab)+", "^a", "a$", "[[:alpha:]]+", "[a\\]]", "a**", "a+?",
                        "a{2}{3}", "\\1", "\\w+", "a{,2}", "[a-c-e]", "{1}", "a{x}"}) {
    EXPECT_FALSE(CsvSimplePattern::Parse(p).has_value()) << p;
  }
}

TEST(CsvSimplePatternTest, LongValuesAndBothSidesOfTheOneWordPath) {
  const std::optional<CsvSimplePattern> p = CsvSimplePattern::Parse("x+");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->Matches(std::string(CsvSimplePattern::kMaxValueBytes, 'x')));
  EXPECT_FALSE(p->Matches(std::string(CsvSimplePattern::kMaxValueBytes - 1, 'x') + "y"));
  // both sides of the one-word fast path (values under 64 bytes)
  const std::optional<CsvSimplePattern> q = CsvSimplePattern::Parse("x{63}y?");
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->Matches(std::string(63, 'x')));
  EXPECT_TRUE(q->Matches(std::string(63, 'x') + "y"));
  EXPECT_FALSE(q->Matches(std::string(62, 'x')));
  EXPECT_FALSE(q->Matches(std::string(64, 'x')));
  EXPECT_FALSE(q->Matches(std::string(63, 'x') + "yy"));
  for (size_t n = 62; n <= 65; ++n) EXPECT_TRUE(p->Matches(std::string(n, 'x'))) << n;
}

}  // namespace
}  // namespace conveyor
