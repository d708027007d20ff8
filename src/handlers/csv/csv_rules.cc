#include "handlers/csv/csv_rules.h"

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "handlers/csv/csv_field_check.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr size_t kMaxColumns = 1000;
constexpr size_t kMaxEnumValues = 10000;
// Each compiled pattern may use CsvPattern::kMaxMemoryBytes (1 MiB): 32 bound one rule set's
// patterns to 32 MiB and their compile time on the submitting thread (docs/handlers.md).
constexpr size_t kMaxRegexColumns = 32;
// RE2 instructions of all a rule set's patterns together. One pattern at the 1 MiB budget has
// ~60-90k and compiles in ~30 ms; this cap keeps the whole rule set's compile (what fits, plus
// the one pattern that tips it over) near that, on the thread that validates the submit.
// Ample for real rule sets: [A-Z]{3}-[0-9]{1,10} is ~30 instructions.
constexpr int kMaxRuleSetProgramSize = 20000;

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + " " + what);
}

std::optional<CsvType> TypeFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, CsvType> kTypes[] = {
      {"string", CsvType::kString}, {"int", CsvType::kInt},   {"decimal", CsvType::kDecimal},
      {"date", CsvType::kDate},     {"enum", CsvType::kEnum}, {"regex", CsvType::kRegex}};
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

Status GetBool(const json::object& o, std::string_view key, const std::string& where, bool* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_bool()) return Bad(where + "." + std::string(key), "must be true or false");
  *out = v->get_bool();
  return Status::Ok();
}

Status GetLength(const json::object& o, std::string_view key, const std::string& where,
                 std::optional<size_t>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::Ok();
  if (!(v->is_int64() && v->get_int64() >= 0) && !v->is_uint64())
    return Bad(where + "." + std::string(key), "must be a whole number of characters, 0 or more");
  *out = v->to_number<size_t>();
  return Status::Ok();
}

Status GetNumber(const json::object& o, std::string_view key, const std::string& where,
                 std::optional<double>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return Bad(where + "." + std::string(key), "must be a number");
  *out = v->to_number<double>();
  return Status::Ok();
}

Status ParseType(const json::object& o, const std::string& where, CsvColumnRule* rule) {
  const json::value* t = o.if_contains("type");
  if (t == nullptr) return Status::Ok();
  std::optional<CsvType> type = t->is_string() ? TypeFromName(t->get_string()) : std::nullopt;
  if (!type) return Bad(where + ".type", "must be one of string, int, decimal, date, enum, regex");
  rule->type = *type;
  return Status::Ok();
}

Status ParseEnum(const json::object& o, const std::string& where, CsvColumnRule* rule) {
  const json::value* v = o.if_contains("values");
  const bool ok = v != nullptr && v->is_array() && !v->get_array().empty() &&
                  v->get_array().size() <= kMaxEnumValues;
  if (!ok) return Bad(where + ".values", "must list the allowed values (1 to 10000 strings)");
  for (const json::value& e : v->get_array()) {
    if (!e.is_string()) return Bad(where + ".values", "must hold strings only");
    rule->values.emplace_back(e.get_string());
  }
  return GetBool(o, "case_sensitive", where, &rule->case_sensitive);
}

Status ParseRegex(const json::object& o, const std::string& where, CsvColumnRule* rule) {
  const json::value* p = o.if_contains("pattern");
  if (p == nullptr || !p->is_string() || p->get_string().empty())
    return Bad(where + ".pattern", "must be a POSIX extended regular expression (a string)");
  rule->pattern = std::string(p->get_string());
  auto compiled = CsvPattern::Compile(rule->pattern);
  if (!compiled.ok()) return Bad(where + ".pattern", "does not compile: " + compiled.status().message());
  rule->compiled = std::move(compiled).value();
  return Status::Ok();
}

Status ParseDateOrder(const json::object& o, const std::string& where, CsvColumnRule* rule) {
  const json::value* d = o.if_contains("date_order");
  if (d == nullptr) return Status::Ok();
  if (!d->is_string() || (d->get_string() != "dmy" && d->get_string() != "mdy"))
    return Bad(where + ".date_order", "must be \"dmy\" (31/12/2024) or \"mdy\" (12/31/2024)");
  rule->month_first = d->get_string() == "mdy";
  return Status::Ok();
}

Status ParseOptions(const json::object& o, const std::string& where, CsvColumnRule* rule) {
  for (auto [key, flag] : {std::pair{"required", &rule->required}, {"unique", &rule->unique}}) {
    if (Status s = GetBool(o, key, where, flag); !s.ok()) return s;
  }
  if (Status s = GetLength(o, "min_length", where, &rule->min_length); !s.ok()) return s;
  if (Status s = GetLength(o, "max_length", where, &rule->max_length); !s.ok()) return s;
  if (Status s = GetNumber(o, "min", where, &rule->min); !s.ok()) return s;
  return GetNumber(o, "max", where, &rule->max);
}

Result<CsvColumnRule> ParseColumn(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Bad(where, "must be an object such as {\"name\": \"sku\"}");
  const json::object& o = v.get_object();
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string() || name->get_string().empty())
    return Bad(where + ".name", "must be the column's header text (a non-empty string)");
  CsvColumnRule rule;
  rule.name = std::string(name->get_string());
  if (Status s = ParseType(o, where, &rule); !s.ok()) return s;
  if (Status s = ParseOptions(o, where, &rule); !s.ok()) return s;
  if (rule.type == CsvType::kEnum) {
    if (Status s = ParseEnum(o, where, &rule); !s.ok()) return s;
  }
  if (rule.type == CsvType::kRegex) {
    if (Status s = ParseRegex(o, where, &rule); !s.ok()) return s;
  }
  if (Status s = ParseDateOrder(o, where, &rule); !s.ok()) return s;
  return rule;
}

}  // namespace

const char* CsvTypeName(CsvType t) {
  switch (t) {
    case CsvType::kString: return "string";
    case CsvType::kInt: return "int";
    case CsvType::kDecimal: return "decimal";
    case CsvType::kDate: return "date";
    case CsvType::kEnum: return "enum";
    case CsvType::kRegex: return "regex";
  }
  return "string";
}

Result<CsvRuleSet> ParseCsvRuleSet(const json::value& v, const std::string& where) {
  const json::value* cols = v.is_object() ? v.get_object().if_contains("columns") : nullptr;
  if (cols == nullptr || !cols->is_array() || cols->get_array().empty() ||
      cols->get_array().size() > kMaxColumns) {
    return Bad(where + ".columns", "must be a list of 1 to 1000 column rules, e.g. "
                                   "[{\"name\": \"sku\", \"required\": true}]");
  }
  CsvRuleSet set;
  std::set<std::string, std::less<>> seen;
  size_t regex_columns = 0;
  int program_size = 0;
  for (size_t i = 0; i < cols->get_array().size(); ++i) {
    const std::string field = where + ".columns[" + std::to_string(i) + "]";
    Result<CsvColumnRule> rule = ParseColumn(cols->get_array()[i], field);
    if (!rule.ok()) return rule.status();
    if (!seen.insert(rule->name).second) return Bad(field + ".name", "repeats column " + rule->name);
    if (rule->type == CsvType::kRegex && ++regex_columns > kMaxRegexColumns)
      return Bad(field + ".type", "regex is allowed on at most 32 columns of a rule set");
    if (rule->compiled && (program_size += rule->compiled->program_size()) > kMaxRuleSetProgramSize)
      return Bad(field + ".pattern", "takes the rule set's patterns over their joint size limit "
                                     "(20000 compiled instructions): use smaller repetition counts");
    set.columns.push_back(std::move(rule).value());
  }
  return set;
}

Result<CsvRuleSets> LoadCsvRuleSetsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  if (ec) return Status::InvalidArgument(path + ": not JSON (" + ec.message() + ")");
  const json::value* sets = doc.is_object() ? doc.get_object().if_contains("rulesets") : nullptr;
  if (sets == nullptr || !sets->is_object())
    return Status::InvalidArgument(path + ": must hold {\"rulesets\": {\"<name>\": {...}}}");
  CsvRuleSets out;
  for (const auto& [name, value] : sets->get_object()) {
    Result<CsvRuleSet> set = ParseCsvRuleSet(value, path + ": rulesets." + std::string(name));
    if (!set.ok()) return set.status();
    set->name = std::string(name);
    out.emplace(set->name, std::move(set).value());
  }
  return out;
}

}  // namespace conveyor
