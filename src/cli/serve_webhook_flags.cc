#include "cli/serve_webhook_flags.h"

#include <fstream>

#include "webhook/webhook_signature.h"

namespace conveyor::cli {
namespace {

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return Status::InvalidArgument("--webhook-secret-file " + path + " cannot be read");
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

Status ApplyHostLists(const WebhookFlags& f, UrlPolicy* policy) {
  if (Status s = SplitHostsAndCidrs(f.allow_hosts, &policy->allow_hosts, &policy->allow_cidrs);
      !s.ok()) {
    return Status::InvalidArgument("--webhook-allow-hosts: " + s.message());
  }
  if (Status s = SplitHostsAndCidrs(f.deny_hosts, &policy->deny_hosts, &policy->deny_cidrs);
      !s.ok()) {
    return Status::InvalidArgument("--webhook-deny-hosts: " + s.message());
  }
  return Status::Ok();
}

}  // namespace

void AddWebhookFlags(CLI::App& cmd, WebhookFlags& f) {
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
                 "Deliver to loopback and private networks (true/false)")
      ->envname("WEBHOOK_ALLOW_PRIVATE")->capture_default_str();
  cmd.add_option("--webhook-allow-hosts", f.allow_hosts,
                 "Only these hosts/CIDRs, comma-separated (e.g. hooks.example.com,10.0.0.0/8)")
      ->envname("WEBHOOK_ALLOW_HOSTS");
  cmd.add_option("--webhook-deny-hosts", f.deny_hosts,
                 "Never these hosts (.example.com: subdomains) or CIDRs, comma-separated")
      ->envname("WEBHOOK_DENY_HOSTS");
}

Result<WebhookDispatcherConfig> ToWebhookDispatcherConfig(const WebhookFlags& f) {
  WebhookDispatcherConfig c;
  c.secret = f.secret;
  if (!f.secret_file.empty()) {
    Result<std::string> secret = ReadSecretFile(f.secret_file);
    if (!secret.ok()) return secret.status();
    c.secret = *secret;
  }
  if (!c.secret.empty()) {
    if (Status s = CheckWebhookSecret(c.secret); !s.ok()) {
      return Status::InvalidArgument("webhook secret: " + s.message());
    }
  }
  c.retry = {.max_retries = f.max_retries,
             .backoff_base_s = f.backoff_base,
             .backoff_cap_s = f.backoff_cap_s};
  c.timeout_ms = static_cast<int>(f.timeout_s * 1000);
  c.max_in_flight = f.max_in_flight;
  c.policy.allow_private = f.allow_private;
  if (Status s = ApplyHostLists(f, &c.policy); !s.ok()) return s;
  return c;
}

}  // namespace conveyor::cli
