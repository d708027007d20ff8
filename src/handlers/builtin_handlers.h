// The job types every Conveyor node serves, and the settings the configurable ones take from
// the node (`conveyor serve`): the outbound URL policy of http.request and of CSV http(s)
// inputs, document.pipeline's webhook settings, the CSV rule sets and input directories.
// The defaults are those of a test node: private networks allowed, no rule sets, no input dirs.
#pragma once

#include "handlers/csv/csv_handlers.h"
#include "handlers/document_pipeline_handler.h"
#include "handlers/handler_registry.h"
#include "outbound/url_policy.h"

namespace conveyor {

struct BuiltinHandlerOptions {
  UrlPolicy http_request_policy{.allow_private = true};  // http.request
  DocumentPipelineOptions document_pipeline;             // document.pipeline
  CsvRuleSets csv_rulesets;                              // csv.validate, csv.correct
  CsvInputSources csv_sources;                           // csv.*: http(s) policy, local dirs
};

// Registers square_sum, cube_sum, noop, sleep, fail, http.request, email.send, csv.validate,
// csv.correct and document.pipeline, once each, and the seeds' names for some of them as
// aliases: send_email (email.send), validate_csv_job (csv.validate), correct_csv_job
// (csv.correct). InvalidArgument when `registry` already serves one of them.
Status RegisterBuiltinHandlers(HandlerRegistry& registry, const BuiltinHandlerOptions& options);

}  // namespace conveyor
