#include "cli/serve_webhook_flags.h"

#include <cstdio>

namespace conveyor::cli {

void AddWebhookFlags(CLI::App& cmd, WebhookSettings& f) {
  cmd.add_option("--webhook-secret", f.secret, "Key signing webhooks (whsec_<base64> or any text)")
      ->envname("WEBHOOK_SECRET");
  cmd.add_option("--webhook-secret-file", f.secret_file, "File whose first line is the secret")
      ->envname("WEBHOOK_SECRET_FILE");
  cmd.add_option("--webhook-max-retries", f.max_retries, "Attempts after the first, at most")
      ->envname("WEBHOOK_MAX_RETRIES")->check(CLI::Range(0, 100))->capture_default_str();
  cmd.add_option("--webhook-retry-backoff-base", f.backoff_base,
                 "Retry n waits about base^n seconds (jittered); fractions allowed")
      ->envname("WEBHOOK_RETRY_BACKOFF_BASE")->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  cmd.add_option("--webhook-retry-backoff-cap", f.backoff_cap_s,
                 "Longest wait between attempts, in seconds (Retry-After included)")
      ->envname("WEBHOOK_RETRY_BACKOFF_CAP")->check(CLI::Range(0.001, 604800.0))
      ->capture_default_str();
  cmd.add_option("--webhook-timeout", f.timeout_s, "One attempt's time limit, in seconds")
      ->envname("WEBHOOK_TIMEOUT_SECONDS")->check(CLI::Range(0.05, 3600.0))->capture_default_str();
  cmd.add_option("--webhook-max-in-flight", f.max_in_flight, "Deliveries sent at once, at most")
      ->envname("WEBHOOK_MAX_IN_FLIGHT")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd.add_option("--webhook-allow-private", f.allow_private,
                 "Outbound HTTP (webhooks, http.request, CSV URLs) to loopback and private "
                 "networks: auto (only when serve listens on loopback only), true or false")
      ->envname("WEBHOOK_ALLOW_PRIVATE")->capture_default_str();
  cmd.add_option("--allow-outbound", f.allow_outbound,
                 "Admit this private host or CIDR for outbound HTTP anyway (repeatable or "
                 "comma-separated, e.g. localhost,10.1.0.0/16); metadata/link-local never")
      ->envname("CONVEYOR_OUTBOUND_ALLOW")->delimiter(',');
  cmd.add_option("--webhook-allow-hosts", f.allow_hosts,
                 "Only these hosts/CIDRs, comma-separated (e.g. hooks.example.com,10.0.0.0/8)")
      ->envname("WEBHOOK_ALLOW_HOSTS");
  cmd.add_option("--webhook-deny-hosts", f.deny_hosts,
                 "Never these hosts (.example.com: subdomains) or CIDRs, comma-separated")
      ->envname("WEBHOOK_DENY_HOSTS");
}

bool ListensOnLoopbackOnly(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "::1") return true;
  // Only a strict dotted quad in 127/8: "127.1" or a name that resolves there is not judged here.
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  return std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 &&
         b < 256 && c < 256 && d < 256;
}

}  // namespace conveyor::cli
