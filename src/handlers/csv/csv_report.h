// CsvReport: what a csv.validate / csv.correct run found — counts, errors by column and by rule,
// fixes by kind, and the first `max_errors` errors in full (the total is always counted). It
// becomes the report.json artifact and, in short, the job's result.
//
// report.json:
//   {"input_uri": "...", "ruleset": "products", "header": ["sku", ...], "bytes": 1234,
//    "rows": 1000, "valid_rows": 990, "invalid_rows": 10, "valid": false,
//    "file_errors": ["missing required column \"sku\""],
//    "error_count": 12, "errors_truncated": false,
//    "errors_by_column": {"price": 7, ...}, "errors_by_rule": {"decimal": 7, ...},
//    "fixes": {"trim_whitespace": 3, ...}, "fixed_cells": 3,
//    "errors": [{"row": 17, "column": "price", "rule": "decimal", "message": "..."}, ...]}
// `row` counts data rows from 1 (the header is not a row); `column` is "" for row-level errors
// (a wrong number of fields). `valid` is true when there is no error of any kind.
//
// Thread-safety: none; one report per run.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "handlers/csv/csv_fixes.h"

namespace conveyor {

struct CsvError {
  uint64_t row = 0;
  std::string column;
  std::string rule;
  std::string message;
};

class CsvReport {
 public:
  explicit CsvReport(size_t max_errors) : max_errors_(max_errors) {}

  void SetHeader(const std::vector<std::string_view>& header);
  void AddFileError(std::string message) { file_errors_.push_back(std::move(message)); }
  void AddError(uint64_t row, std::string_view column, std::string_view rule, std::string message);
  void AddFix(CsvFixKind kind) { ++fixes_[static_cast<size_t>(kind)]; }
  // Called once per data row, after its errors.
  void EndRow(bool valid) { ++(valid ? valid_rows_ : invalid_rows_); }

  uint64_t rows() const { return valid_rows_ + invalid_rows_; }
  uint64_t valid_rows() const { return valid_rows_; }
  uint64_t invalid_rows() const { return invalid_rows_; }
  uint64_t error_count() const { return error_count_ + file_errors_.size(); }
  uint64_t fixed_cells() const;
  bool valid() const { return error_count() == 0; }
  const std::vector<CsvError>& errors() const { return errors_; }
  const std::vector<std::string>& file_errors() const { return file_errors_; }
  uint64_t fixes(CsvFixKind kind) const { return fixes_[static_cast<size_t>(kind)]; }

  // The whole report (see above); `input_uri`, `ruleset` and `bytes` describe the run.
  std::string ToJson(std::string_view input_uri, std::string_view ruleset, uint64_t bytes) const;
  // {"rows", "valid_rows", "invalid_rows", "error_count", "valid", "fixes", "fixed_cells"} plus
  // the artifact names and each of `labels` (name, value: the job's marketplace and category),
  // as a JSON object text.
  std::string SummaryJson(
      const std::vector<std::string>& artifacts,
      const std::vector<std::pair<std::string, std::string>>& labels = {}) const;

 private:
  size_t max_errors_;
  std::vector<std::string> header_;
  std::vector<std::string> file_errors_;
  std::vector<CsvError> errors_;
  std::map<std::string, uint64_t, std::less<>> by_column_;
  std::map<std::string, uint64_t, std::less<>> by_rule_;
  std::array<uint64_t, kCsvFixKinds> fixes_{};
  uint64_t error_count_ = 0;
  uint64_t valid_rows_ = 0;
  uint64_t invalid_rows_ = 0;
};

}  // namespace conveyor
