// The webhook flags of `conveyor serve` (each also read from its environment variable, listed
// in docs/operations.md), turned into the WebhookDispatcher's configuration.
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"
#include "runtime/webhook_dispatcher.h"

namespace conveyor::cli {

// Defaults come from the owners' structs, so the flags never disagree with the library.
struct WebhookFlags {
  std::string secret;       // WEBHOOK_SECRET
  std::string secret_file;  // WEBHOOK_SECRET_FILE: the secret is the file's first line
  int max_retries = WebhookRetryConfig{}.max_retries;
  double backoff_base = WebhookRetryConfig{}.backoff_base_s;
  double backoff_cap_s = WebhookRetryConfig{}.backoff_cap_s;
  double timeout_s = WebhookDispatcherConfig{}.timeout_ms / 1000.0;
  int max_in_flight = WebhookDispatcherConfig{}.max_in_flight;
  bool allow_private = UrlPolicy{}.allow_private;
  std::string allow_hosts;  // comma-separated host names and/or CIDRs
  std::string deny_hosts;
};

void AddWebhookFlags(CLI::App& cmd, WebhookFlags& f);

// InvalidArgument naming the flag when the secret file cannot be read, the secret is malformed,
// or a host list holds an entry that is neither a host name nor a CIDR.
Result<WebhookDispatcherConfig> ToWebhookDispatcherConfig(const WebhookFlags& f);

}  // namespace conveyor::cli
