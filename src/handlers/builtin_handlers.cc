// RegisterBuiltinHandlers: the job types every Conveyor node serves without configuration.
#include <memory>

#include "handlers/csv_handlers.h"
#include "handlers/diagnostic_handlers.h"
#include "handlers/document_pipeline_handler.h"
#include "handlers/email_send_handler.h"
#include "handlers/handler_registry.h"
#include "handlers/http_request_handler.h"
#include "handlers/power_sum_handler.h"

namespace conveyor {

void RegisterBuiltinHandlers(HandlerRegistry& registry) {
  registry.Register(std::make_unique<PowerSumHandler>(2));
  registry.Register(std::make_unique<PowerSumHandler>(3));
  registry.Register(std::make_unique<NoopHandler>());
  registry.Register(std::make_unique<SleepHandler>());
  registry.Register(std::make_unique<FailHandler>());
  registry.Register(std::make_unique<HttpRequestHandler>());
  registry.Register(std::make_unique<EmailSendHandler>());
  // No named rule sets; `conveyor serve --rulesets-file` registers them again with its sets.
  RegisterCsvHandlers(registry, {});
  // With default options; `conveyor serve` registers it again with its WEBHOOK_* settings.
  registry.Register(std::make_unique<DocumentPipelineHandler>());
}

}  // namespace conveyor
