#include "webhooks/settings.h"

#include <fstream>

#include "outbound/url_policy.h"
#include "webhooks/signature.h"

namespace conveyor {
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

Status ApplyHostLists(const WebhookSettings& f, UrlPolicy* policy) {
  if (Status s = SplitHostsAndCidrs(f.allow_hosts, &policy->allow_hosts, &policy->allow_cidrs);
      !s.ok()) {
    return Status::InvalidArgument("--webhook-allow-hosts: " + s.message());
  }
  if (Status s = SplitHostsAndCidrs(f.deny_hosts, &policy->deny_hosts, &policy->deny_cidrs);
      !s.ok()) {
    return Status::InvalidArgument("--webhook-deny-hosts: " + s.message());
  }
  for (const std::string& entry : f.allow_outbound) {
    if (Status s = SplitHostsAndCidrs(entry, &policy->admit_hosts, &policy->admit_cidrs); !s.ok()) {
      return Status::InvalidArgument("--allow-outbound: " + s.message());
    }
  }
  return Status::Ok();
}

// Beyond loopback anyone who can submit a job could otherwise make this node fetch from its own
// network (SSRF), so "auto" means private destinations are refused there.
Result<bool> AllowPrivate(const std::string& flag, bool loopback_only) {
  if (flag == "auto") return loopback_only;
  if (flag == "true") return true;
  if (flag == "false") return false;
  return Status::InvalidArgument("--webhook-allow-private must be auto, true or false, not '" +
                                 flag + "'");
}

}  // namespace

Result<WebhookDispatcherConfig> ToWebhookDispatcherConfig(const WebhookSettings& f,
                                                          bool loopback_only) {
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
  Result<bool> allow_private = AllowPrivate(f.allow_private, loopback_only);
  if (!allow_private.ok()) return allow_private.status();
  c.policy.allow_private = *allow_private;
  if (Status s = ApplyHostLists(f, &c.policy); !s.ok()) return s;
  return c;
}

}  // namespace conveyor
