// The authentication flags of `conveyor serve` / `conveyor worker` (docs/security.md):
//   --auth auto|on|off   (CONVEYOR_AUTH) auto: on whenever the server listens beyond loopback;
//                        off is refused then (a network-reachable server always checks keys)
//   --metrics-open       (CONVEYOR_METRICS_OPEN) /metrics without a key, for scrapers on a
//                        private network
//   --key-rate, --key-jobs-rate (CONVEYOR_KEY_RATE, CONVEYOR_KEY_JOBS_RATE) the requests and
//                        jobs per window a key may use when it has no limit of its own
// and, for `serve` only (a node with the job routes):
//   --plan-rate, --plan-jobs-rate PLAN=RATE|none (repeatable) what a tenant on PLAN may use over
//                        all its keys (runtime/auth/key_limiter.h has the defaults)
// and the dashboard's login (api/session_resource.h):
//   --admin-user NAME    (CONVEYOR_ADMIN_USER) a user with the admin scope
//   --admin-password-hash-file PATH (ADMIN_PASSWORD_HASH_FILE, or ADMIN_PASSWORD_HASH itself)
//                        its hash, from `conveyor hash-password`
//   --session-secret-file PATH (SESSION_SECRET_FILE) signs sessions; nodes behind one address
//                        share it (without it each start makes a random one)
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "core/status.h"
#include "runtime/auth/key_limiter.h"

namespace conveyor::cli {

struct AuthFlags {
  std::string mode = "auto";
  bool metrics_open = false;
  std::string key_rate;       // "100/second"; empty: no default limit
  std::string key_jobs_rate;  // "1000/minute"; empty: no default limit
  std::vector<std::string> plan_rates;       // "pro=100/second", "enterprise=none"
  std::vector<std::string> plan_jobs_rates;  // "free=30/minute"
  std::string admin_user;
  std::string admin_password_hash_file;
  std::string session_secret_file;
};

void AddAuthFlags(CLI::App& cmd, AuthFlags& f);
// --plan-rate, --plan-jobs-rate, --admin-user, --admin-password-hash-file,
// --session-secret-file (`serve` only).
void AddApiAuthFlags(CLI::App& cmd, AuthFlags& f);
// Reads and checks the login's secrets into `server`: InvalidArgument naming the flag for a user
// without a hash (or the reverse), a hash not made by `conveyor hash-password`, a user name that
// is not 1-64 of [A-Za-z0-9._-], or a session secret shorter than 32 bytes.
Status ApplyLoginFlags(const AuthFlags& f, ServerConfig* server);

// The default limits (checked by CLI11 at parse time).
auth::KeyLimits KeyLimitsOf(const AuthFlags& f);
// The plans' limits: DefaultPlanLimits with the flags applied over them.
auth::PlanLimits PlanLimitsOf(const AuthFlags& f);

// Whether keys are required on `listen`; InvalidArgument for --auth off beyond loopback.
Result<bool> AuthRequired(const AuthFlags& f, const std::string& listen);

}  // namespace conveyor::cli
