#include "handlers/csv/csv_report.h"

#include <boost/json.hpp>

#include "handlers/utf8_text.h"
#include "json/json_text.h"

namespace conveyor {
namespace json = boost::json;

namespace {

json::object Counts(const std::map<std::string, uint64_t, std::less<>>& counts) {
  json::object out;
  for (const auto& [key, n] : counts) out[ValidUtf8(key)] = n;
  return out;
}

json::object FixCounts(const CsvReport& r) {
  json::object out;
  for (int k = 0; k < kCsvFixKinds; ++k) {
    const auto kind = static_cast<CsvFixKind>(k);
    if (r.fixes(kind) > 0) out[CsvFixName(kind)] = r.fixes(kind);
  }
  return out;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const std::string& s : v) out.emplace_back(ValidUtf8(s));
  return out;
}

json::array ErrorList(const std::vector<CsvError>& errors) {
  json::array out;
  out.reserve(errors.size());
  for (const CsvError& e : errors) {
    out.emplace_back(json::object{{"row", e.row},
                                  {"column", ValidUtf8(e.column)},
                                  {"rule", e.rule},
                                  {"message", ValidUtf8(e.message)}});
  }
  return out;
}

template <class Map>
void Increment(Map& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), 0).first;
  ++it->second;
}

}  // namespace

void CsvReport::SetHeader(const std::vector<std::string_view>& header) {
  header_.assign(header.begin(), header.end());
}

void CsvReport::AddError(uint64_t row, std::string_view column, std::string_view rule,
                         std::string message) {
  ++error_count_;
  if (!column.empty()) Increment(by_column_, column);
  Increment(by_rule_, rule);
  if (errors_.size() < max_errors_) {
    errors_.push_back(
        {.row = row, .column = std::string(column), .rule = std::string(rule), .message = std::move(message)});
  }
}

uint64_t CsvReport::fixed_cells() const {
  uint64_t n = 0;
  for (uint64_t f : fixes_) n += f;
  return n;
}

std::string CsvReport::ToJson(std::string_view input_uri, std::string_view ruleset,
                              uint64_t bytes) const {
  json::object o{{"input_uri", ValidUtf8(input_uri)},
                 {"ruleset", ValidUtf8(ruleset)},
                 {"header", Strings(header_)},
                 {"bytes", bytes},
                 {"rows", rows()},
                 {"valid_rows", valid_rows_},
                 {"invalid_rows", invalid_rows_},
                 {"valid", valid()},
                 {"file_errors", Strings(file_errors_)},
                 {"error_count", error_count()},
                 {"errors_truncated", error_count_ > errors_.size()},
                 {"errors_by_column", Counts(by_column_)},
                 {"errors_by_rule", Counts(by_rule_)},
                 {"fixes", FixCounts(*this)},
                 {"fixed_cells", fixed_cells()},
                 {"errors", ErrorList(errors_)}};
  return ToJsonText(o);
}

std::string CsvReport::SummaryJson(
    const std::vector<std::string>& artifacts,
    const std::vector<std::pair<std::string, std::string>>& labels) const {
  json::array names;
  for (const std::string& a : artifacts) names.emplace_back(a);
  json::object o{{"rows", rows()},
                 {"valid_rows", valid_rows_},
                 {"invalid_rows", invalid_rows_},
                 {"error_count", error_count()},
                 {"valid", valid()},
                 {"fixes", FixCounts(*this)},
                 {"fixed_cells", fixed_cells()},
                 {"artifact", artifacts.empty() ? json::value() : json::value(artifacts.front())},
                 {"artifacts", std::move(names)}};
  for (const auto& [name, value] : labels) o[name] = value;
  return ToJsonText(o);
}

}  // namespace conveyor
