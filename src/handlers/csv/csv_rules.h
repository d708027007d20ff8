// CSV rule sets: what csv.validate checks and what csv.correct may fix, per column.
//
// JSON shape (a rule-set file holds {"rulesets": {"<name>": <rule set>, ...}}; a job may also
// carry one inline as payload.ruleset):
//   {"columns": [
//      {"name": "sku", "required": true, "unique": true, "type": "regex", "pattern": "^[A-Z]+-[0-9]+$"},
//      {"name": "price", "type": "decimal", "min": 0, "max": 100000},
//      {"name": "qty", "type": "int"},
//      {"name": "released", "type": "date", "date_order": "dmy"},
//      {"name": "status", "type": "enum", "values": ["active", "paused"]},
//      {"name": "title", "min_length": 1, "max_length": 60}]}
// Column keys: name (required), type: string (default) | int | decimal | date | enum | regex,
// required (the header must have the column and every row a non-empty value), unique (no two
// rows share a value), min_length / max_length (in UTF-8 code points), min / max (int, decimal),
// values (enum), case_sensitive (enum, default true), pattern (regex, POSIX extended, matched
// against the whole value), date_order (date: how csv.correct reads 01/02/2024 — "dmy", the
// default, or "mdy").
//
// Value types; built once, then read by many threads.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace conveyor {

enum class CsvType { kString, kInt, kDecimal, kDate, kEnum, kRegex };
const char* CsvTypeName(CsvType t);

class CsvPattern;  // a compiled regular expression (csv_field_check.h)

struct CsvColumnRule {
  std::string name;
  CsvType type = CsvType::kString;
  bool required = false;
  bool unique = false;
  std::optional<size_t> min_length;
  std::optional<size_t> max_length;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> values;  // enum
  bool case_sensitive = true;       // enum
  std::string pattern;              // regex source
  std::shared_ptr<const CsvPattern> compiled;  // regex, compiled at parse time
  bool month_first = false;         // date_order "mdy"
};

struct CsvRuleSet {
  std::string name;  // "inline" for a rule set carried by the payload
  std::vector<CsvColumnRule> columns;
};

using CsvRuleSets = std::map<std::string, CsvRuleSet, std::less<>>;

// InvalidArgument naming the field, with `where` as its prefix ("payload.ruleset", or
// "rules.json: rulesets.products").
Result<CsvRuleSet> ParseCsvRuleSet(const boost::json::value& v, const std::string& where);

// Reads {"rulesets": {"<name>": {...}}}; errors name the file and the field.
Result<CsvRuleSets> LoadCsvRuleSetsFile(const std::string& path);

}  // namespace conveyor
