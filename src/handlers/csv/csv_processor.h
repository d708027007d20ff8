// CsvProcessor: the per-record work of csv.validate and csv.correct — map the header to the rule
// set, optionally fix each value, check it, track uniqueness, count everything into a
// CsvReport and optionally write the (fixed) record to a CsvWriter. Feed it from a CsvReader.
//
// Checks per data row: the field count equals the header's ("columns"); per rule column:
// "required" (non-empty), then for non-empty values the type, length and range rules
// (csv_field_check.h) and "unique" (csv_fingerprint_set.h). A rule column missing from the
// header is a file error when required, and otherwise not checked.
//
// Memory: one record's copies, one fingerprint set per unique column, the report's capped
// error list. Thread-safety: none; one processor per run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/csv/csv_fingerprint_set.h"
#include "handlers/csv/csv_report.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/csv/csv_writer.h"

namespace conveyor {

class CsvProcessor {
 public:
  // `rules` and `report` must outlive the processor; `writer` may be null.
  CsvProcessor(const CsvRuleSet& rules, bool fix, CsvReport& report, CsvWriter* writer);

  // For CsvReader: record 1 is the header. Always returns true (keep reading).
  bool OnRecord(uint64_t record, const std::vector<std::string_view>& fields);

 private:
  struct Bound {
    const CsvColumnRule* rule;
    size_t index;  // in the header
    std::unique_ptr<CsvFingerprintSet> seen;  // unique columns only
  };

  void OnHeader(const std::vector<std::string_view>& header);
  void FixRow(const std::vector<std::string_view>& fields);
  bool CheckRow(uint64_t row, const std::vector<std::string_view>& cells);
  bool CheckCell(uint64_t row, Bound& b, std::string_view value);

  const CsvRuleSet& rules_;
  const bool fix_;
  CsvReport& report_;
  CsvWriter* writer_;
  size_t header_size_ = 0;
  std::vector<Bound> bound_;
  std::vector<const CsvColumnRule*> rule_at_;  // by header index; null: no rule
  std::vector<std::string_view> cells_;       // the row's values after fixes (fix_ only)
  std::vector<std::string> scratch_;          // storage for fixed values, by header index
};

}  // namespace conveyor
