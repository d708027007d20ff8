// The webhook and outbound flags of `conveyor serve` / `conveyor worker`, each also read from its
// environment variable (docs/operations.md). They fill a WebhookSettings; webhooks/settings.h
// checks it and turns it into the WebhookDispatcher's configuration.
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "webhooks/settings.h"

namespace conveyor::cli {

void AddWebhookFlags(CLI::App& cmd, WebhookSettings& f);

// True for a --listen address on loopback only: 127.0.0.0/8, ::1 or localhost (with any port).
bool ListensOnLoopbackOnly(const std::string& listen);

}  // namespace conveyor::cli
