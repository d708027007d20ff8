// RegisterBuiltinHandlers: the job types every Conveyor node serves without configuration.
#include "handlers/builtin_handlers.h"

#include <memory>
#include <utility>
#include <vector>

#include "handlers/diagnostic_handlers.h"
#include "handlers/email_send_handler.h"
#include "handlers/http_request_handler.h"
#include "handlers/power_sum_handler.h"

namespace conveyor {

Status RegisterBuiltinHandlers(HandlerRegistry& registry, const BuiltinHandlerOptions& options) {
  std::vector<std::unique_ptr<Handler>> handlers;
  handlers.push_back(std::make_unique<PowerSumHandler>(2));
  handlers.push_back(std::make_unique<PowerSumHandler>(3));
  handlers.push_back(std::make_unique<NoopHandler>());
  handlers.push_back(std::make_unique<SleepHandler>());
  handlers.push_back(std::make_unique<FailHandler>());
  handlers.push_back(std::make_unique<HttpRequestHandler>(options.http_request_policy));
  handlers.push_back(std::make_unique<EmailSendHandler>());
  handlers.push_back(std::make_unique<DocumentPipelineHandler>(options.document_pipeline));
  for (std::unique_ptr<Handler>& h : handlers) {
    if (Status s = registry.Register(std::move(h)); !s.ok()) return s;
  }
  if (Status s = RegisterCsvHandlers(registry, options.csv_rulesets, options.csv_sources); !s.ok())
    return s;
  // The seeds' task names (002's send_email, 003's csv jobs), so their clients run unchanged.
  for (const auto& [alias, target] :
       {std::pair{"send_email", "email.send"}, std::pair{"validate_csv_job", "csv.validate"},
        std::pair{"correct_csv_job", "csv.correct"}}) {
    if (Status s = registry.Alias(alias, target); !s.ok()) return s;
  }
  return Status::Ok();
}

Status RegisterBuiltinHandlers(HandlerRegistry& registry) {
  return RegisterBuiltinHandlers(registry, BuiltinHandlerOptions{});
}

}  // namespace conveyor
