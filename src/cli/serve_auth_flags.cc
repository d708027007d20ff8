#include "cli/serve_auth_flags.h"

#include "api/queue_request.h"
#include "cli/serve_webhook_flags.h"

namespace conveyor::cli {

void AddAuthFlags(CLI::App& cmd, AuthFlags& f) {
  cmd.add_option("--auth", f.mode,
                 "API keys required: auto (when listening beyond loopback), on, or off "
                 "(loopback only)")
      ->envname("CONVEYOR_AUTH")->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  cmd.add_flag("--metrics-open", f.metrics_open,
               "Serve /metrics without a key (for scrapers on a private network)")
      ->envname("CONVEYOR_METRICS_OPEN");
  const auto is_rate = [](const std::string& text) {
    return api::ParseRate(text) ? std::string()
                                : "must be a rate such as 100/second, 1000/minute or 3/10s";
  };
  cmd.add_option("--key-rate", f.key_rate,
                 "Requests per window an API key may make without a limit of its own, e.g. "
                 "100/second (default: none)")
      ->envname("CONVEYOR_KEY_RATE")->check(is_rate);
  cmd.add_option("--key-jobs-rate", f.key_jobs_rate,
                 "Jobs per window an API key may submit without a limit of its own, e.g. "
                 "1000/minute (default: none)")
      ->envname("CONVEYOR_KEY_JOBS_RATE")->check(is_rate);
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
