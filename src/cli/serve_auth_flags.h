// The authentication flags of `conveyor serve` / `conveyor worker` (docs/security.md):
//   --auth auto|on|off   (CONVEYOR_AUTH) auto: on whenever the server listens beyond loopback;
//                        off is refused then (a network-reachable server always checks keys)
//   --metrics-open       (CONVEYOR_METRICS_OPEN) /metrics without a key, for scrapers on a
//                        private network
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"

namespace conveyor::cli {

struct AuthFlags {
  std::string mode = "auto";
  bool metrics_open = false;
};

void AddAuthFlags(CLI::App& cmd, AuthFlags& f);

// Whether keys are required on `listen`; InvalidArgument for --auth off beyond loopback.
Result<bool> AuthRequired(const AuthFlags& f, const std::string& listen);

}  // namespace conveyor::cli
