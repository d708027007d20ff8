// The authentication flags of `conveyor serve` / `conveyor worker` (docs/security.md):
//   --auth auto|on|off   (CONVEYOR_AUTH) auto: on whenever the server listens beyond loopback;
//                        off is refused then (a network-reachable server always checks keys)
//   --metrics-open       (CONVEYOR_METRICS_OPEN) /metrics without a key, for scrapers on a
//                        private network
//   --key-rate, --key-jobs-rate (CONVEYOR_KEY_RATE, CONVEYOR_KEY_JOBS_RATE) the requests and
//                        jobs per window a key may use when it has no limit of its own
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"
#include "runtime/auth/key_limiter.h"

namespace conveyor::cli {

struct AuthFlags {
  std::string mode = "auto";
  bool metrics_open = false;
  std::string key_rate;       // "100/second"; empty: no default limit
  std::string key_jobs_rate;  // "1000/minute"; empty: no default limit
};

void AddAuthFlags(CLI::App& cmd, AuthFlags& f);

// The default limits (checked by CLI11 at parse time).
auth::KeyLimits KeyLimitsOf(const AuthFlags& f);

// Whether keys are required on `listen`; InvalidArgument for --auth off beyond loopback.
Result<bool> AuthRequired(const AuthFlags& f, const std::string& listen);

}  // namespace conveyor::cli
