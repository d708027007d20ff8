// Rule sets (parsing, the rule-set file), the per-cell checks of every rule type, the fixes and
// the fingerprint set behind `unique`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "handlers/csv/csv_field_check.h"
#include "handlers/csv/csv_fingerprint_set.h"
#include "handlers/csv/csv_fixes.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/csv_test_util.h"

namespace conveyor {
namespace {

Result<CsvRuleSet> Parse(const std::string& text) {
  return ParseCsvRuleSet(boost::json::parse(text), "payload.ruleset");
}

CsvColumnRule MustColumn(const std::string& column_json) {
  Result<CsvRuleSet> set = Parse(R"({"columns": [)" + column_json + "]}");
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return set.ok() ? set->columns.front() : CsvColumnRule{};
}

// The rule name of the violation, or "" when the value passes. std::string keeps the NUL.
std::string Violation(const CsvColumnRule& rule, const std::string& value) {
  auto v = CheckCsvValue(rule, value);
  return v ? v->rule : "";
}

TEST(CsvRulesTest, ParsesEveryColumnKind) {
  Result<CsvRuleSet> set = Parse(kProductRules);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->columns.size(), 6u);
  EXPECT_TRUE(set->columns[0].required);
  EXPECT_TRUE(set->columns[0].unique);
  EXPECT_EQ(set->columns[0].type, CsvType::kRegex);
  EXPECT_EQ(set->columns[2].max, 1000);
  EXPECT_EQ(set->columns[4].values.size(), 2u);
  EXPECT_EQ(set->columns[5].max_length, 10u);
}

TEST(CsvRulesTest, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "payload.ruleset.columns"},
      {R"({"columns": [{"type": "int"}]})", "payload.ruleset.columns[0].name"},
      {R"({"columns": [{"name": "a", "type": "float"}]})", "payload.ruleset.columns[0].type"},
      {R"({"columns": [{"name": "a", "type": "enum"}]})", "payload.ruleset.columns[0].values"},
      {R"({"columns": [{"name": "a", "type": "regex", "pattern": "("}]})",
       "payload.ruleset.columns[0].pattern does not compile"},
      {R"({"columns": [{"name": "a", "min_length": -1}]})", "payload.ruleset.columns[0].min_length"},
      {R"({"columns": [{"name": "a"}, {"name": "a"}]})", "repeats column a"},
      {R"({"columns": [{"name": "a", "date_order": "ymd"}]})", "date_order"},
  };
  for (const auto& [text, expected] : cases) {
    Result<CsvRuleSet> set = Parse(text);
    ASSERT_FALSE(set.ok()) << text;
    EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(set.status().message().find(expected), std::string::npos)
        << text << " → " << set.status().message();
  }
}

TEST(CsvRulesTest, LoadsARuleSetFile) {
  CsvTempDir dir;
  const std::string path =
      dir.Write("rules.json", std::string(R"({"rulesets": {"products": )") + kProductRules + "}}");
  Result<CsvRuleSets> sets = LoadCsvRuleSetsFile(path);
  ASSERT_TRUE(sets.ok()) << sets.status().ToString();
  ASSERT_EQ(sets->count("products"), 1u);
  EXPECT_EQ(sets->at("products").name, "products");

  const std::string bad = dir.Write("bad.json", R"({"rulesets": {"x": {"columns": 3}}})");
  Result<CsvRuleSets> r = LoadCsvRuleSetsFile(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.json: rulesets.x.columns"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(LoadCsvRuleSetsFile(dir.path() + "/missing.json").ok());
}

TEST(CsvFieldCheckTest, Int) {
  CsvColumnRule r = MustColumn(R"({"name": "n", "type": "int", "min": -5, "max": 100})");
  EXPECT_EQ(Violation(r, "42"), "");
  EXPECT_EQ(Violation(r, "-5"), "");
  EXPECT_EQ(Violation(r, "+7"), "");
  EXPECT_EQ(Violation(r, "4.2"), "int");
  EXPECT_EQ(Violation(r, "12a"), "int");
  EXPECT_EQ(Violation(r, "99999999999999999999"), "int");
  EXPECT_EQ(Violation(r, "-6"), "min");
  EXPECT_EQ(Violation(r, "101"), "max");
}

TEST(CsvFieldCheckTest, IntAndRangeAtTheEdgesOfTheShortcuts) {
  EXPECT_TRUE(IsCsvInt("999999999999999999"));
  EXPECT_TRUE(IsCsvInt("9223372036854775807"));
  EXPECT_TRUE(IsCsvInt("-9223372036854775808"));
  EXPECT_FALSE(IsCsvInt("9223372036854775808"));
  EXPECT_FALSE(IsCsvInt("-"));
  EXPECT_FALSE(IsCsvInt("+-5"));
  CsvColumnRule r = MustColumn(R"({"name": "n", "type": "int", "min": 0, "max": 1000000000000000})");
  EXPECT_EQ(Violation(r, "999999999999999"), "");
  EXPECT_EQ(Violation(r, "1000000000000000"), "");
  EXPECT_EQ(Violation(r, "1000000000000001"), "max");
  EXPECT_EQ(Violation(r, "-0"), "");
  EXPECT_EQ(Violation(r, "-1"), "min");
  EXPECT_EQ(Violation(r, "+0000000000000000000000000001"), "");
  CsvColumnRule d = MustColumn(R"({"name": "p", "type": "decimal", "min": 0.1, "max": 99.99})");
  EXPECT_EQ(Violation(d, "0.1"), "");
  EXPECT_EQ(Violation(d, "0.10000000000000"), "");
  EXPECT_EQ(Violation(d, "0.09999999999999"), "min");
  EXPECT_EQ(Violation(d, "99.99"), "");
  EXPECT_EQ(Violation(d, "99.99000000000001"), "max");  // 16 digits: from_chars decides
  EXPECT_EQ(Violation(d, "99.991"), "max");
}

TEST(CsvFieldCheckTest, Decimal) {
  CsvColumnRule r = MustColumn(R"({"name": "p", "type": "decimal", "min": 0})");
  EXPECT_EQ(Violation(r, "12.50"), "");
  EXPECT_EQ(Violation(r, "12"), "");
  EXPECT_EQ(Violation(r, "1,5"), "decimal");
  EXPECT_EQ(Violation(r, "1."), "decimal");
  EXPECT_EQ(Violation(r, "abc"), "decimal");
  EXPECT_EQ(Violation(r, "-0.01"), "min");
}

TEST(CsvFieldCheckTest, Date) {
  CsvColumnRule r = MustColumn(R"({"name": "d", "type": "date"})");
  EXPECT_EQ(Violation(r, "2024-02-29"), "");
  EXPECT_EQ(Violation(r, "2023-02-29"), "date");
  EXPECT_EQ(Violation(r, "2024-13-01"), "date");
  EXPECT_EQ(Violation(r, "31/01/2024"), "date");
}

TEST(CsvFieldCheckTest, EnumWithAndWithoutCase) {
  CsvColumnRule r = MustColumn(R"({"name": "s", "type": "enum", "values": ["active", "paused"]})");
  EXPECT_EQ(Violation(r, "active"), "");
  EXPECT_EQ(Violation(r, "ACTIVE"), "enum");
  EXPECT_EQ(Violation(r, "gone"), "enum");
  CsvColumnRule ci = MustColumn(
      R"({"name": "s", "type": "enum", "values": ["active"], "case_sensitive": false})");
  EXPECT_EQ(Violation(ci, "AcTiVe"), "");
}

TEST(CsvFieldCheckTest, RegexMatchesTheWholeValue) {
  CsvColumnRule r = MustColumn(R"({"name": "s", "type": "regex", "pattern": "[A-Z]{3}-[0-9]+"})");
  EXPECT_EQ(Violation(r, "ABC-12"), "");
  EXPECT_EQ(Violation(r, "xABC-12"), "regex");
  EXPECT_EQ(Violation(r, "ABC-12x"), "regex");
  EXPECT_EQ(Violation(r, std::string("ABC-1\0x", 7)), "regex");
}

TEST(CsvFieldCheckTest, LengthCountsCodePoints) {
  CsvColumnRule r = MustColumn(R"({"name": "t", "min_length": 2, "max_length": 4})");
  EXPECT_EQ(Violation(r, "ação"), "");  // 4 code points, 6 bytes
  EXPECT_EQ(Violation(r, "a"), "min_length");
  EXPECT_EQ(Violation(r, "abcde"), "max_length");
}

TEST(CsvFixesTest, Trim) {
  EXPECT_EQ(TrimCsvValue(" \t a b \t"), "a b");
  EXPECT_EQ(TrimCsvValue("   "), "");
}

TEST(CsvFixesTest, Numbers) {
  EXPECT_EQ(FixCsvNumber("1,5", false), "1.5");
  EXPECT_EQ(FixCsvNumber("1.234,56", false), "1234.56");
  EXPECT_EQ(FixCsvNumber("1,234.56", false), "1234.56");
  EXPECT_EQ(FixCsvNumber("-1 234 567,8", false), "-1234567.8");
  EXPECT_EQ(FixCsvNumber("1.234.567", false), "1234567");
  EXPECT_EQ(FixCsvNumber("1,234", true), "1234");
  EXPECT_EQ(FixCsvNumber("1.234", true), "1234");
  EXPECT_EQ(FixCsvNumber("1,5", true), std::nullopt);  // not a whole number
  EXPECT_EQ(FixCsvNumber("12,34,5", false), std::nullopt);
  EXPECT_EQ(FixCsvNumber("1,2.3,4", false), std::nullopt);
  EXPECT_EQ(FixCsvNumber("abc", false), std::nullopt);
}

TEST(CsvFixesTest, Dates) {
  EXPECT_EQ(FixCsvDate("2024/01/31", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("31/01/2024", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("31.01.2024", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("1-2-2024", false), "2024-02-01");
  EXPECT_EQ(FixCsvDate("1-2-2024", true), "2024-01-02");
  EXPECT_EQ(FixCsvDate("20240131", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("31 Jan 2024", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("January 31, 2024", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("2024-01-31T10:00:00Z", false), "2024-01-31");
  EXPECT_EQ(FixCsvDate("31/02/2024", false), std::nullopt);
  EXPECT_EQ(FixCsvDate("soon", false), std::nullopt);
  EXPECT_EQ(FixCsvDate("1/2/24", false), std::nullopt);  // two-digit years are guesses
}

TEST(CsvFixesTest, FixValueOnlyWhenTheTypeWantsIt) {
  CsvColumnRule e = MustColumn(R"({"name": "s", "type": "enum", "values": ["active"]})");
  auto fixed = FixCsvValue(e, "ACTIVE");
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->kind, CsvFixKind::kEnumCase);
  EXPECT_EQ(fixed->value, "active");
  EXPECT_FALSE(FixCsvValue(e, "active"));
  CsvColumnRule s = MustColumn(R"({"name": "s"})");
  EXPECT_FALSE(FixCsvValue(s, "1,5"));  // a string column keeps its commas
}

TEST(CsvFingerprintSetTest, FindsDuplicatesAcrossGrowth) {
  CsvFingerprintSet set;
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(set.Insert("SKU-" + std::to_string(i)));
  EXPECT_EQ(set.size(), 100000u);
  for (int i = 0; i < 100000; i += 999) EXPECT_FALSE(set.Insert("SKU-" + std::to_string(i)));
  EXPECT_TRUE(set.Insert("SKU-100000"));
  // 8-byte slots at 35-70% load.
  EXPECT_LE(set.memory_bytes(), 100001u * 8 * 100 / 35);
}

}  // namespace
}  // namespace conveyor
