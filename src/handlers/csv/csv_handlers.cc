#include "handlers/csv/csv_handlers.h"

#include <boost/json.hpp>
#include <memory>

namespace conveyor {

Status CsvJobHandler::ValidatePayload(const boost::json::value& payload) const {
  return ParseCsvJobSpec(payload, rulesets_, sources_, kind_ == CsvJobKind::kValidate).status();
}

// Which input directories and rule-set names exist is the node's setting, checked at submit.
std::string_view CsvJobHandler::PayloadSchema() const {
  return R"({"type":"object","required":["input_uri"],"properties":{)"
         R"("input_uri":{"type":"string","description":"an absolute path under --input-dir, file:// or http(s)://",)"
         R"("examples":["/srv/in/products.csv"]},)"
         R"("ruleset":{"oneOf":[{"type":"string","description":"a name from --rulesets-file"},)"
         R"({"type":"object","required":["columns"],"properties":{"columns":{"type":"array",)"
         R"("items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},)"
         R"("type":{"enum":["string","int","decimal","date","enum","regex"]}}}}}},{"type":"null"}]},)"
         R"("auto_fix":{"type":"boolean"},"max_errors":{"type":"integer","minimum":0,"maximum":100000},)"
         R"("delimiter":{"type":"string","minLength":1,"maxLength":1,"pattern":"^[^\"\\r\\n]$"},)"
         R"("marketplace":{"type":["string","null"],"maxLength":256},)"
         R"("category":{"type":["string","null"],"maxLength":256}}})";
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
