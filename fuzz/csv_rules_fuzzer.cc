// Fuzzes CSV rule sets (handlers/csv/csv_rules.cc, csv_field_check.cc, csv_simple_pattern.cc). The
// input is a rule set's JSON, a line "--", then values, one per line. Every value is checked
// against every column. Invariants: no crash or UB; a bad rule set is an InvalidArgument with a
// message; and for every regex column the simple matcher, when it takes the pattern, agrees
// with glibc's regexec on every value (the differential that guards csv_simple_pattern.cc).
#include <regex.h>

#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "handlers/csv/csv_field_check.h"
#include "handlers/csv/csv_rules.h"

namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty() && out.size() < 64) {
    const size_t nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return out;
}

// What regexec says, with the anchoring CsvPattern::Compile uses.
void CheckSimpleAgreesWithRegexec(const std::string& pattern,
                                  const std::vector<std::string>& values) {
  const auto simple = conveyor::CsvSimplePattern::Parse(pattern);
  if (!simple) return;
  // regcomp is quadratic in a long optional run (x{1,9999}): the oracle takes bounds below 1000.
  size_t digits = 0;
  for (char c : pattern) {
    digits = c >= '0' && c <= '9' ? digits + 1 : 0;
    if (digits > 3) return;
  }
  regex_t re;
  const std::string anchored = "^(" + pattern + ")$";
  // The simple matcher only takes patterns regcomp accepts.
  FUZZ_CHECK(regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_NOSUB) == 0);
  for (const std::string& v : values) {
    if (v.size() > conveyor::CsvSimplePattern::kMaxValueBytes) continue;
    if (v.find('\0') != std::string::npos) continue;
    const bool by_regexec = regexec(&re, v.c_str(), 0, nullptr, 0) == 0;
    if (simple->Matches(v) != by_regexec) {
      std::fprintf(stderr, "pattern %s value %s: simple %d regexec %d\n", pattern.c_str(),
                   v.c_str(), !by_regexec, by_regexec);
      FUZZ_CHECK(false);
    }
  }
  regfree(&re);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find("\n--\n");
  const std::string_view json = input.substr(0, split);
  const std::vector<std::string> values =
      split == std::string_view::npos ? std::vector<std::string>{} : Lines(input.substr(split + 4));
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json, ec);
  if (ec) return 0;
  auto rules = conveyor::ParseCsvRuleSet(v, "payload.ruleset");
  if (!rules.ok()) {
    FUZZ_CHECK(rules.status().code() == conveyor::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!rules.status().message().empty());
    return 0;
  }
  for (const conveyor::CsvColumnRule& column : rules->columns) {
    if (column.type == conveyor::CsvType::kRegex)
      CheckSimpleAgreesWithRegexec(column.pattern, values);
    for (const std::string& value : values) {
      if (!value.empty()) (void)conveyor::CheckCsvValue(column, value);  // c_str(): NUL-ended
    }
  }
  return 0;
}
