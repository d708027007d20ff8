#include "cli/serve_auth_flags.h"

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
