// WebhookSettings: the operator's webhook and outbound settings as given — the WEBHOOK_* and
// CONVEYOR_OUTBOUND_ALLOW variables, which `conveyor serve` / `conveyor worker` also take as
// flags (cli/serve_webhook_flags.h; docs/operations.md) — and ToWebhookDispatcherConfig, which
// reads the secret file, checks the secret and the host lists, and makes the WebhookDispatcher's
// configuration. Its `policy` is the node's one outbound URL policy: the node hands the same one
// to http.request, document.pipeline's deliver step and CSV http(s) inputs.
// Plain values and a pure function (but for reading the secret file); called once at start-up.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "webhooks/dispatcher.h"

namespace conveyor {

// Defaults come from the owners' structs, so the settings never disagree with the library.
struct WebhookSettings {
  std::string secret;       // WEBHOOK_SECRET: whsec_<base64> or any text
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

// InvalidArgument naming the setting (by its flag) when the secret file cannot be read, the
// secret is malformed, allow_private is not auto/true/false, or a host list holds an entry that
// is neither a host name nor a CIDR. `loopback_only`: the node's API listens on loopback only
// (false for `conveyor worker`: no listen address to judge).
Result<WebhookDispatcherConfig> ToWebhookDispatcherConfig(const WebhookSettings& settings,
                                                          bool loopback_only);

}  // namespace conveyor
