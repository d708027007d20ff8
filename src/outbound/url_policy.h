// Which webhook URLs and which connected addresses Conveyor may deliver to (SSRF defence).
//
// Two checks, at two moments:
//   CheckWebhookUrl       when a job is submitted: syntax, scheme, allow_hosts, and, if the host
//                         is an IP literal, the address rules below.
//   CheckResolvedAddress  for each address the HTTP client is about to connect to (libcurl's
//                         CURLOPT_OPENSOCKETFUNCTION). Deciding on the connected address, not the
//                         name, is what defeats DNS rebinding and odd literals like 2130706433.
//
// Address rules, in order:
//   1. Always refused: cloud metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200),
//      link-local (169.254.0.0/16, fe80::/10), 0.0.0.0/8, ::, multicast, 240.0.0.0/4 (reserved,
//      with the broadcast address).
//   2. An address in one of deny_cidrs is refused.
//   3. If allow_cidrs is non-empty, the address must lie in one of them, and then passes even if
//      private: an explicit allowlist is how an operator admits one internal receiver.
//   4. If !allow_private: loopback, RFC 1918, CGNAT 100.64.0.0/10, ULA fc00::/7 and NAT64
//      local-use 64:ff9b:1::/48 are refused, unless the address is in admit_cidrs or the URL's
//      host is in admit_hosts (the operator's --allow-outbound exceptions).
// Every rule also applies to the IPv4 address an IPv6 transition form carries (IPv4-mapped and
// -compatible, SIIT, NAT64 64:ff9b::/96, 6to4, Teredo; see ip_address.h).
// A host that "ends in a number" (127.1, 2130706433, 0177.0.0.1, 0x7f.1) is read as the
// resolver reads it (inet_aton) and judged as that address; one that is not a valid IPv4 address
// in that grammar (1.2.3.4.5, 999.1) is refused, since its meaning would depend on the resolver.
// Host rules (CheckWebhookUrl): a host in deny_hosts is refused ("example.com" matches that name,
// ".example.com" any name under it); if allow_hosts is non-empty the host must be one of them.
// When both allow_hosts and allow_cidrs are set, a delivery must satisfy both.
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
//
// Value type and pure functions; safe to share between threads once built.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

struct UrlPolicy {
  bool allow_private = true;             // loopback, RFC 1918, CGNAT, ULA
  std::vector<std::string> allow_hosts;  // if non-empty, the URL's host must be one (any case)
  std::vector<std::string> allow_cidrs;  // if non-empty, "10.1.0.0/16", "2001:db8::/32", or an IP
  std::vector<std::string> deny_hosts;   // names refused (any case); ".example.com": subdomains
  std::vector<std::string> deny_cidrs;   // addresses refused, same syntax as allow_cidrs
  // Exceptions to rule 4 only (never to rule 1): private destinations the operator admits.
  std::vector<std::string> admit_hosts;  // URL host names (any case; ".example.com": subdomains)
  std::vector<std::string> admit_cidrs;  // addresses or CIDRs, same syntax as allow_cidrs
};

// True if the URL's host is one of policy.admit_hosts: the addresses it resolves to then pass
// rule 4. False for a URL that does not parse.
bool HostAdmitted(std::string_view url, const UrlPolicy& policy);

// Splits an operator's comma-separated list ("hooks.example.com, 10.0.0.0/8, ::1") into host
// names and addresses/CIDRs, appending to *hosts and *cidrs. InvalidArgument naming the entry
// when one is neither a host name nor an address or CIDR.
Status SplitHostsAndCidrs(std::string_view list, std::vector<std::string>* hosts,
                          std::vector<std::string>* cidrs);

// OK, or InvalidArgument with a sentence naming what to fix; FailedPrecondition if the host is an
// IP literal the address rules refuse.
Status CheckWebhookUrl(std::string_view url, const UrlPolicy& policy);

// OK, or FailedPrecondition naming the address and the rule; InvalidArgument if ip_text is not an
// IP address or an allow_cidrs entry is malformed. host_admitted (see HostAdmitted) lifts rule 4.
Status CheckResolvedAddress(const std::string& ip_text, const UrlPolicy& policy,
                            bool host_admitted = false);

}  // namespace conveyor
