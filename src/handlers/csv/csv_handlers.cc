#include "handlers/csv/csv_handlers.h"

#include <boost/json.hpp>
#include <memory>

namespace conveyor {

Status CsvJobHandler::ValidatePayload(const boost::json::value& payload) const {
  return ParseCsvJobSpec(payload, rulesets_, sources_, kind_ == CsvJobKind::kValidate).status();
}

Result<std::string> CsvJobHandler::Run(JobContext& ctx) {
  boost::system::error_code ec;
  boost::json::value payload = boost::json::parse(ctx.job().payload, ec);
  if (ec) return Status::InvalidArgument("payload is not JSON: " + ec.message());
  Result<CsvJobSpec> spec =
      ParseCsvJobSpec(payload, rulesets_, sources_, kind_ == CsvJobKind::kValidate);
  if (!spec.ok()) return spec.status();
  return RunCsvJob(ctx, *spec, kind_, sources_);
}

Status RegisterCsvHandlers(HandlerRegistry& registry, const CsvRuleSets& rulesets,
                           const CsvInputSources& sources) {
  for (CsvJobKind kind : {CsvJobKind::kValidate, CsvJobKind::kCorrect}) {
    Status s = registry.Register(std::make_unique<CsvJobHandler>(kind, rulesets, sources));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace conveyor
