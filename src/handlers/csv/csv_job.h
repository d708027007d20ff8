// The run shared by csv.validate and csv.correct: parse the payload, stream the input through
// CsvReader → CsvProcessor (fix, check, write), report progress and honour cancellation
// between chunks, then write the artifacts into the job's artifact directory.
//
// Payload (both types): {"input_uri": "/abs/path.csv" | "file:///…" | "https://…" (a local
//   path only under the input directories, csv_input_dirs.h),
//   "ruleset": "<name from the rule-set file>" | {inline rule set, csv_rules.h},
//   "auto_fix": false, "max_errors": 1000 (0..100000), "delimiter": ",",
//   "marketplace": "…", "category": "…" (seed 003's labels: strings, kept and shown in the
//   result)}. Another scheme (s3://, ftp://) is refused at submit, saying what is supported.
// The rule-set name "default" (seed 003's), unless the rule-set file defines it, is the empty
// set: structure only (a header, the same number of fields on every row; auto_fix trims).
// csv.validate: report.json (result_ref); with auto_fix also corrected.csv, and the checks see
//   the fixed values. csv.correct: always fixes; corrected.csv (result_ref) and report.json
//   (what is still wrong after the fixes); its ruleset is optional (without one only
//   whitespace is trimmed).
// A malformed CSV (a stray quote, an unclosed quote) is a file error in csv.validate's report
// (the job succeeds with "valid": false) and a permanent failure of csv.correct, which cannot
// write a trustworthy corrected file.
//
// Progress: percent of the input's bytes (of Content-Length for HTTP; 0 while unknown) and
// "validated N rows (X of Y MB)", at most every 0.5 s. Thread-safety: stateless functions.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "handlers/csv/csv_input.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/handler.h"

namespace conveyor {

inline constexpr size_t kDefaultCsvMaxErrors = 1000;
inline constexpr size_t kMaxCsvMaxErrors = 100000;
inline constexpr size_t kMaxCsvLabelLength = 256;  // marketplace, category

enum class CsvJobKind { kValidate, kCorrect };

struct CsvJobSpec {
  std::string input_uri;
  CsvRuleSet rules;  // a copy of the named set, or the inline one; no columns: none given
  bool auto_fix = false;
  size_t max_errors = kDefaultCsvMaxErrors;
  char delimiter = ',';
  std::vector<std::pair<std::string, std::string>> labels;  // marketplace, category, as given
};

// InvalidArgument naming the payload field; an unknown rule-set name lists the known ones.
Result<CsvJobSpec> ParseCsvJobSpec(const boost::json::value& payload, const CsvRuleSets& named,
                                   const CsvInputSources& sources, bool ruleset_required);

// Returns the result JSON text (CsvReport::SummaryJson) after setting the result_ref.
Result<std::string> RunCsvJob(JobContext& ctx, const CsvJobSpec& spec, CsvJobKind kind,
                              const CsvInputSources& sources);

}  // namespace conveyor
