#include "cli/serve_auth_flags.h"

#include <cstdlib>

#include "api/queue_request.h"
#include "cli/serve_webhook_flags.h"
#include "core/secret_file.h"
#include "runtime/auth/password_hash.h"
#include "runtime/auth/sessions.h"
#include "runtime/auth/tenants.h"

namespace conveyor::cli {
namespace {

// CLI11 validators: "" when the text is good, else what is wrong with it.
std::string CheckRate(const std::string& text) {
  return api::ParseRate(text) ? std::string()
                              : "must be a rate such as 100/second, 1000/minute or 3/10s";
}

std::string CheckPlanRate(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || !auth::IsPlan(text.substr(0, eq))) {
    return "must be PLAN=RATE (PLAN one of " + std::string(auth::kPlanList) +
           "), e.g. pro=100/second, or PLAN=none";
  }
  const std::string rate = text.substr(eq + 1);
  return rate == "none" ? std::string() : CheckRate(rate);
}

}  // namespace

void AddAuthFlags(CLI::App& cmd, AuthFlags& f) {
  cmd.add_option("--auth", f.mode,
                 "API keys required: auto (when listening beyond loopback), on, or off "
                 "(loopback only)")
      ->envname("CONVEYOR_AUTH")->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  cmd.add_flag("--metrics-open", f.metrics_open,
               "Serve /metrics without a key (for scrapers on a private network)")
      ->envname("CONVEYOR_METRICS_OPEN");
  cmd.add_option("--key-rate", f.key_rate,
                 "Requests per window an API key may make without a limit of its own, e.g. "
                 "100/second (default: none)")
      ->envname("CONVEYOR_KEY_RATE")->check(CheckRate);
  cmd.add_option("--key-jobs-rate", f.key_jobs_rate,
                 "Jobs per window an API key may submit without a limit of its own, e.g. "
                 "1000/minute (default: none)")
      ->envname("CONVEYOR_KEY_JOBS_RATE")->check(CheckRate);
}

void AddApiAuthFlags(CLI::App& cmd, AuthFlags& f) {
  cmd.add_option("--plan-rate", f.plan_rates,
                 "Requests per window a tenant on PLAN may make, over all its keys: PLAN=RATE or "
                 "PLAN=none; repeatable (defaults: free=10/second, pro=50/second, "
                 "business=200/second, enterprise=1000/second)")
      ->envname("CONVEYOR_PLAN_RATE")->check(CheckPlanRate);
  cmd.add_option("--plan-jobs-rate", f.plan_jobs_rates,
                 "Jobs per window a tenant on PLAN may submit, over all its keys: PLAN=RATE or "
                 "PLAN=none; repeatable (defaults: free=60/minute, pro=600/minute, "
                 "business=3000/minute, enterprise=20000/minute)")
      ->envname("CONVEYOR_PLAN_JOBS_RATE")->check(CheckPlanRate);
  cmd.add_option("--admin-user", f.admin_user,
                 "A dashboard user with the admin scope (needs --admin-password-hash-file)")
      ->envname("CONVEYOR_ADMIN_USER");
  cmd.add_option("--admin-password-hash-file", f.admin_password_hash_file,
                 "The admin user's password hash (from `conveyor hash-password`), in a file; or "
                 "the hash itself in ADMIN_PASSWORD_HASH")
      ->envname("ADMIN_PASSWORD_HASH_FILE");
  cmd.add_option("--session-secret-file", f.session_secret_file,
                 "At least 32 bytes that sign dashboard sessions; nodes behind one address share "
                 "it (default: random at each start)")
      ->envname("SESSION_SECRET_FILE");
}

Status ApplyLoginFlags(const AuthFlags& f, ServerConfig* server) {
  std::string hash;
  if (!f.admin_password_hash_file.empty()) {
    Result<std::string> read = ReadSecretFile(f.admin_password_hash_file, "--admin-password-hash-file");
    if (!read.ok()) return read.status();
    hash = std::move(read).value();
  } else if (const char* env = std::getenv("ADMIN_PASSWORD_HASH"); env != nullptr) {
    hash = env;
  }
  if (f.admin_user.empty() != hash.empty()) {
    return Status::InvalidArgument(
        "--admin-user and --admin-password-hash-file (or ADMIN_PASSWORD_HASH) go together: give "
        "both for a dashboard user, or neither");
  }
  if (!f.admin_user.empty()) {
    if (Status s = auth::CheckTenantName(f.admin_user, "--admin-user"); !s.ok()) return s;
    if (!auth::IsPasswordHash(hash)) {
      return Status::InvalidArgument(
          "the admin password hash is not one `conveyor hash-password` makes "
          "(scrypt$15$8$1$<salt>$<hash>); make one with `conveyor hash-password`");
    }
  }
  server->admin_user = f.admin_user;
  server->admin_password_hash = std::move(hash);
  if (!f.session_secret_file.empty()) {
    Result<std::string> secret = ReadSecretFile(f.session_secret_file, "--session-secret-file");
    if (!secret.ok()) return secret.status();
    if (secret->size() < auth::kMinSessionSecretBytes) {
      return Status::InvalidArgument("--session-secret-file " + f.session_secret_file +
                                     " holds fewer than 32 bytes; use e.g. `openssl rand -hex 32`");
    }
    server->session_secret = std::move(secret).value();
  }
  return Status::Ok();
}

auth::PlanLimits PlanLimitsOf(const AuthFlags& f) {
  auth::PlanLimits plans = auth::DefaultPlanLimits();
  auto apply = [&plans](const std::vector<std::string>& texts, bool jobs) {
    for (const std::string& text : texts) {
      const auto eq = text.find('=');
      const std::string rate = text.substr(eq + 1);
      auth::KeyLimits& limits = plans[text.substr(0, eq)];
      (jobs ? limits.jobs_rate : limits.rate) =
          rate == "none" ? std::nullopt : api::ParseRate(rate);
    }
  };
  apply(f.plan_rates, false);
  apply(f.plan_jobs_rates, true);
  return plans;
}

auth::KeyLimits KeyLimitsOf(const AuthFlags& f) {
  auth::KeyLimits limits;
  if (!f.key_rate.empty()) limits.rate = api::ParseRate(f.key_rate);
  if (!f.key_jobs_rate.empty()) limits.jobs_rate = api::ParseRate(f.key_jobs_rate);
  return limits;
}

Result<bool> AuthRequired(const AuthFlags& f, const std::string& listen) {
  const bool loopback = ListensOnLoopbackOnly(listen);
  if (f.mode == "on") return true;
  if (f.mode == "off" && !loopback) {
    return Status::InvalidArgument(
        "--auth off is refused on " + listen +
        ": a server reachable beyond loopback always checks API keys (create one with "
        "`conveyor keys create --name admin --scopes admin`), or listen on 127.0.0.1");
  }
  return f.mode == "auto" && !loopback;
}

}  // namespace conveyor::cli
