// csv.validate and csv.correct, the job types that replace the seeds' validate_csv_job and
// correct_csv_job. Payload, artifacts and errors: csv_job.h and docs/handlers.md.
//
// Both hold the node's named rule sets (serve --rulesets-file), URL policy and input
// directories (serve --input-dir), fixed at construction: stateless afterwards, so Run() is thread-safe.
#pragma once

#include <utility>

#include "handlers/csv/csv_job.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/handler.h"
#include "handlers/handler_registry.h"
#include "outbound/url_policy.h"

namespace conveyor {

class CsvJobHandler : public Handler {
 public:
  CsvJobHandler(CsvJobKind kind, CsvRuleSets rulesets, CsvInputSources sources)
      : kind_(kind), rulesets_(std::move(rulesets)), sources_(std::move(sources)) {}

  std::string_view type() const override {
    return kind_ == CsvJobKind::kValidate ? "csv.validate" : "csv.correct";
  }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;

 private:
  CsvJobKind kind_;
  CsvRuleSets rulesets_;
  CsvInputSources sources_;
};

// Registers csv.validate and csv.correct with these rule sets (InvalidArgument when `registry`
// already serves either). By default private networks are allowed for HTTP inputs, as for
// http.request; a node passes its outbound policy. With no input directories every local input
// is refused.
Status RegisterCsvHandlers(HandlerRegistry& registry, const CsvRuleSets& rulesets,
                           const CsvInputSources& sources = CsvInputSources{});

}  // namespace conveyor
