// The webhook and outbound flags of `conveyor serve` / `conveyor worker` (each also read from its
// environment variable, listed in docs/operations.md), turned into the WebhookDispatcher's
// configuration. Its `policy` is the node's one outbound URL policy: serve hands the same one to
// http.request, document.pipeline's deliver step and CSV http(s) inputs.
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "webhooks/dispatcher.h"

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
  // Loopback and private destinations: "auto" allows them only on a node whose API listens on
  // loopback only (a dev box); "true"/"false" force it.
  std::string allow_private = "auto";
  std::string allow_hosts;  // comma-separated host names and/or CIDRs
  std::string deny_hosts;
  std::vector<std::string> allow_outbound;  // private destinations admitted anyway: hosts/CIDRs
};

void AddWebhookFlags(CLI::App& cmd, WebhookFlags& f);

// True for a --listen address on loopback only: 127.0.0.0/8, ::1 or localhost (with any port).
bool ListensOnLoopbackOnly(const std::string& listen);

// InvalidArgument naming the flag when the secret file cannot be read, the secret is malformed,
// or a host list holds an entry that is neither a host name nor a CIDR. `loopback_only`: the
// node's API listens on loopback only (false for `conveyor worker`: no listen address to judge).
Result<WebhookDispatcherConfig> ToWebhookDispatcherConfig(const WebhookFlags& f,
                                                          bool loopback_only);

}  // namespace conveyor::cli
