#include "handlers/csv/csv_processor.h"

#include "handlers/csv/csv_field_check.h"
#include "handlers/csv/csv_fixes.h"

namespace conveyor {

CsvProcessor::CsvProcessor(const CsvRuleSet& rules, bool fix, CsvReport& report,
                           CsvWriter* writer)
    : rules_(rules), fix_(fix), report_(report), writer_(writer) {}

bool CsvProcessor::OnRecord(uint64_t record, const std::vector<std::string_view>& fields) {
  if (record == 1) {
    OnHeader(fields);
    return true;
  }
  if (fix_) FixRow(fields);
  const std::vector<std::string_view>& cells = fix_ ? cells_ : fields;  // no copy to validate
  report_.EndRow(CheckRow(record - 1, cells));
  if (writer_ != nullptr) writer_->Write(cells);
  return true;
}

void CsvProcessor::OnHeader(const std::vector<std::string_view>& header) {
  std::vector<std::string_view> names;
  for (std::string_view h : header) names.push_back(TrimCsvValue(h));
  report_.SetHeader(names);
  header_size_ = header.size();
  rule_at_.assign(header.size(), nullptr);
  scratch_.resize(header.size());
  for (const CsvColumnRule& rule : rules_.columns) {
    size_t i = 0;
    while (i < names.size() && names[i] != rule.name) ++i;
    if (i == names.size()) {
      if (rule.required) report_.AddFileError("missing required column \"" + rule.name + "\"");
      continue;
    }
    if (rule_at_[i] != nullptr) continue;  // a repeated header name: the first one counts
    rule_at_[i] = &rule;
    bound_.push_back({&rule, i, rule.unique ? std::make_unique<CsvFingerprintSet>() : nullptr});
  }
  if (writer_ != nullptr) writer_->Write(fix_ ? names : header);
}

void CsvProcessor::FixRow(const std::vector<std::string_view>& fields) {
  cells_.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view v = TrimCsvValue(fields[i]);
    if (v.size() != fields[i].size()) report_.AddFix(CsvFixKind::kTrim);
    const CsvColumnRule* rule = i < rule_at_.size() ? rule_at_[i] : nullptr;
    std::optional<CsvFix> fixed = rule != nullptr ? FixCsvValue(*rule, v) : std::nullopt;
    if (fixed) {
      report_.AddFix(fixed->kind);
      scratch_[i] = std::move(fixed->value);
      v = scratch_[i];
    } else if (v.size() != fields[i].size() && rule != nullptr && rule->type == CsvType::kRegex) {
      scratch_[i].assign(v);  // regexec needs the NUL the trimmed view lacks
      v = scratch_[i];
    }
    cells_[i] = v;
  }
}

bool CsvProcessor::CheckRow(uint64_t row, const std::vector<std::string_view>& cells) {
  bool valid = true;
  if (cells.size() != header_size_) {
    report_.AddError(row, "", "columns",
                     "the row has " + std::to_string(cells.size()) + " fields; the header has " +
                         std::to_string(header_size_));
    valid = false;
  }
  for (Bound& b : bound_) {
    const std::string_view v = b.index < cells.size() ? cells[b.index] : std::string_view();
    valid = CheckCell(row, b, v) && valid;
  }
  return valid;
}

bool CsvProcessor::CheckCell(uint64_t row, Bound& b, std::string_view value) {
  if (value.empty()) {
    if (!b.rule->required) return true;
    report_.AddError(row, b.rule->name, "required", "a value is required");
    return false;
  }
  if (std::optional<CsvViolation> v = CheckCsvValue(*b.rule, value)) {
    report_.AddError(row, b.rule->name, v->rule, std::move(v->message));
    return false;
  }
  if (b.seen && !b.seen->Insert(value)) {
    report_.AddError(row, b.rule->name, "unique", "duplicate value (seen in an earlier row)");
    return false;
  }
  return true;
}

}  // namespace conveyor
