#include "outbound/url_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

#include "outbound/ip_address.h"

namespace conveyor {
namespace {

struct Prefix {
  IpBytes ip{};
  int bits = 0;  // over the 16-byte form, so an IPv4 /8 is /104 here
};

struct NamedRule {
  const char* cidr;
  const char* what;
};

constexpr NamedRule kAlwaysRefused[] = {
    {"169.254.169.254/32", "a cloud metadata endpoint"},
    {"fd00:ec2::254/128", "a cloud metadata endpoint"},
    {"100.100.100.200/32", "a cloud metadata endpoint"},
    {"169.254.0.0/16", "link-local"},
    {"fe80::/10", "link-local"},
    {"0.0.0.0/8", "in 'this network' 0.0.0.0/8"},
    {"::/128", "the unspecified address"},
    {"224.0.0.0/4", "multicast"},
    {"ff00::/8", "multicast"},
    {"240.0.0.0/4", "reserved or broadcast"},
};

constexpr NamedRule kPrivate[] = {
    {"127.0.0.0/8", "loopback"},
    {"::1/128", "loopback"},
    {"10.0.0.0/8", "private (RFC 1918)"},
    {"172.16.0.0/12", "private (RFC 1918)"},
    {"192.168.0.0/16", "private (RFC 1918)"},
    {"100.64.0.0/10", "carrier-grade NAT (RFC 6598)"},
    {"fc00::/7", "unique local IPv6 (RFC 4193)"},
    {"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"},
};

// A decimal of at most max_digits digits whose value is at most max; no sign, no spaces.
std::optional<int> ParseDecimal(std::string_view text, size_t max_digits, int max) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value <= max ? std::optional<int>(value) : std::nullopt;
}

// "a.b.c.d/n", "x::y/n", or a bare address meaning a single host.
std::optional<Prefix> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  bool is_v4 = false;
  std::optional<IpBytes> ip = ParseIp(std::string(text.substr(0, slash)), &is_v4);
  if (!ip) return std::nullopt;
  int max = is_v4 ? 32 : 128;
  std::optional<int> bits =
      slash == std::string_view::npos ? max : ParseDecimal(text.substr(slash + 1), 3, max);
  if (!bits) return std::nullopt;
  return Prefix{*ip, *bits + (is_v4 ? 96 : 0)};
}

bool Contains(const Prefix& prefix, const IpBytes& ip) {
  int full = prefix.bits / 8;
  if (!std::equal(ip.begin(), ip.begin() + full, prefix.ip.begin())) return false;
  int rest = prefix.bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip[full] & mask) == (prefix.ip[full] & mask);
}

// The first rule containing ip, if any. The tables are constants, so parsing cannot fail.
const NamedRule* FindRule(const NamedRule* begin, const NamedRule* end, const IpBytes& ip) {
  for (const NamedRule* rule = begin; rule != end; ++rule) {
    if (Contains(*ParseCidr(rule->cidr), ip)) return rule;
  }
  return nullptr;
}

// A rule that refuses ip itself or an IPv4 address it carries (NAT64, 6to4, ...).
struct RuleHit {
  const NamedRule* rule = nullptr;
  std::string carried;  // the embedded IPv4 address the rule matched, if not ip itself
};

template <size_t N>
RuleHit FindRuleOrEmbedded(const NamedRule (&table)[N], const IpBytes& ip) {
  if (const NamedRule* r = FindRule(std::begin(table), std::end(table), ip)) return {r, ""};
  for (const IpBytes& v4 : EmbeddedIpv4(ip)) {
    if (const NamedRule* r = FindRule(std::begin(table), std::end(table), v4)) {
      return {r, IpText(v4)};
    }
  }
  return {};
}

Status Refused(const std::string& ip_text, const RuleHit& hit, std::string_view hint) {
  std::string carried = hit.carried.empty() ? "" : " (it carries " + hit.carried + ")";
  return Status::FailedPrecondition("webhook address " + ip_text + carried + " is refused: it is " +
                                    hit.rule->what + " (" + hit.rule->cidr + ")" +
                                    std::string(hint));
}

// True if ip lies in one of the admit_cidrs; malformed entries are caught at start-up.
bool AddressAdmitted(const IpBytes& ip, const UrlPolicy& policy) {
  return std::any_of(policy.admit_cidrs.begin(), policy.admit_cidrs.end(),
                     [&](const std::string& cidr) {
                       std::optional<Prefix> p = ParseCidr(cidr);
                       return p && Contains(*p, ip);
                     });
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// FailedPrecondition if ip lies in one of deny_cidrs, InvalidArgument if an entry cannot be parsed.
Status CheckDenyCidrs(const std::string& ip_text, const IpBytes& ip, const UrlPolicy& policy) {
  for (const std::string& cidr : policy.deny_cidrs) {
    std::optional<Prefix> prefix = ParseCidr(cidr);
    if (!prefix) {
      return Status::InvalidArgument("deny_cidrs entry '" + cidr +
                                     "' is not an address or CIDR such as 10.0.0.0/8");
    }
    if (Contains(*prefix, ip)) {
      return Status::FailedPrecondition("webhook address " + ip_text + " is refused: it is in " +
                                        cidr + ", which the operator denies");
    }
  }
  return Status::Ok();
}

// OK if ip lies in one of allow_cidrs, FailedPrecondition if not, InvalidArgument if an entry
// cannot be parsed.
Status CheckAllowCidrs(const std::string& ip_text, const IpBytes& ip, const UrlPolicy& policy) {
  for (const std::string& cidr : policy.allow_cidrs) {
    std::optional<Prefix> prefix = ParseCidr(cidr);
    if (!prefix) {
      return Status::InvalidArgument("allow_cidrs entry '" + cidr +
                                     "' is not an address or CIDR such as 10.0.0.0/8");
    }
    if (Contains(*prefix, ip)) return Status::Ok();
  }
  return Status::FailedPrecondition("webhook address " + ip_text +
                                    " is refused: it is not in allow_cidrs (" +
                                    JoinList(policy.allow_cidrs) + ")");
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Status UrlError(std::string message) { return Status::InvalidArgument("webhook_url " + message); }

struct Authority {
  std::string host;  // without brackets
  bool bracketed = false;
  std::optional<std::string_view> port;  // set if a ':' followed the host
};

std::optional<Authority> SplitAuthority(std::string_view authority) {
  Authority out;
  std::string_view after;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    out.bracketed = true;
    after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return std::nullopt;
  } else {
    size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) after = authority.substr(colon);
  }
  if (!after.empty()) out.port = after.substr(1);
  return out;
}

Status CheckPort(std::string_view port) {
  std::optional<int> value = ParseDecimal(port, 5, 65535);
  if (!value || *value == 0) {
    return UrlError("port '" + std::string(port) + "' is not a number from 1 to 65535");
  }
  return Status::Ok();
}

Status CheckHostName(const Authority& a) {
  if (a.host.empty()) return UrlError("has no host; write it like https://example.com/hook");
  if (a.bracketed) {
    IpBytes ip{};
    if (inet_pton(AF_INET6, a.host.c_str(), ip.data()) == 1) return Status::Ok();
    return UrlError("host '[" + a.host + "]' is not a valid IPv6 address");
  }
  bool ok = std::all_of(a.host.begin(), a.host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
  if (ok) return Status::Ok();
  return UrlError("host '" + a.host + "' has characters a host name cannot contain");
}

// "example.com" matches that name only; ".example.com" matches every name under it.
bool HostMatches(const std::string& lower_host, const std::string& entry) {
  std::string e = Lower(entry);
  if (!e.starts_with('.')) return e == lower_host;
  return lower_host.size() > e.size() && lower_host.ends_with(e);
}

Status CheckDenyHosts(const std::string& host, const UrlPolicy& policy) {
  std::string lower = Lower(host);
  for (const std::string& denied : policy.deny_hosts) {
    if (HostMatches(lower, denied)) {
      return UrlError("host '" + host + "' is refused: the operator denies " + denied);
    }
  }
  return Status::Ok();
}

Status CheckAllowHosts(const std::string& host, const UrlPolicy& policy) {
  if (policy.allow_hosts.empty()) return Status::Ok();
  std::string lower = Lower(host);
  for (const std::string& allowed : policy.allow_hosts) {
    if (Lower(allowed) == lower) return Status::Ok();
  }
  return UrlError("host '" + host + "' is not in allow_hosts (" + JoinList(policy.allow_hosts) +
                  ")");
}

Status CheckCharacters(std::string_view url) {
  constexpr size_t kMaxLength = 2048;
  if (url.size() > kMaxLength) return UrlError("is longer than 2048 characters");
  bool clean =
      std::none_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
  return clean ? Status::Ok() : UrlError("must not contain spaces or control characters");
}

// Scheme and authority syntax; returns the parsed authority on success.
Result<Authority> ParseUrl(std::string_view url) {
  if (Status s = CheckCharacters(url); !s.ok()) return s;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return UrlError("must be an absolute URL such as https://example.com/hook");
  }
  std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return UrlError("must use http or https, not " + scheme);
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return UrlError("must not contain a user name or password (the part before '@')");
  }
  std::optional<Authority> a = SplitAuthority(authority);
  if (!a) return UrlError("host '" + std::string(authority) + "' has an unclosed '['");
  return *a;
}

// A host that ends in a number is the address the resolver makes of it, or refused: "127.1"
// must not pass as a name when libcurl will connect to 127.0.0.1.
Status CheckNumericHost(const std::string& host, const UrlPolicy& policy) {
  std::optional<IpBytes> ip = ParseNumericIpv4Host(host);
  if (!ip) {
    return UrlError("host '" + host +
                    "' ends in a number but is not an IPv4 address; write an address as four "
                    "decimal numbers (93.184.216.34) or use a host name");
  }
  Status s = CheckResolvedAddress(IpText(*ip), policy);
  if (s.ok() || s.code() != StatusCode::kFailedPrecondition) return s;
  return Status::FailedPrecondition("webhook host '" + host + "' means " + IpText(*ip) + "; " +
                                    s.message().substr(std::string_view("webhook ").size()));
}

}  // namespace

Status CheckWebhookUrl(std::string_view url, const UrlPolicy& policy) {
  Result<Authority> a = ParseUrl(url);
  if (!a.ok()) return a.status();
  if (Status s = CheckHostName(*a); !s.ok()) return s;
  if (a->port) {
    if (Status s = CheckPort(*a->port); !s.ok()) return s;
  }
  if (Status s = CheckDenyHosts(a->host, policy); !s.ok()) return s;
  if (Status s = CheckAllowHosts(a->host, policy); !s.ok()) return s;
  // An IP literal is its own resolved address, so refuse it now rather than at delivery.
  const bool admitted = HostAdmitted(url, policy);
  bool is_v4 = false;
  if (ParseIp(a->host, &is_v4)) return CheckResolvedAddress(a->host, policy, admitted);
  if (!a->bracketed && LooksNumericIpv4(a->host)) return CheckNumericHost(a->host, policy);
  return Status::Ok();
}

bool HostAdmitted(std::string_view url, const UrlPolicy& policy) {
  if (policy.admit_hosts.empty()) return false;
  Result<Authority> a = ParseUrl(url);
  if (!a.ok()) return false;
  const std::string lower = Lower(a->host);
  return std::any_of(policy.admit_hosts.begin(), policy.admit_hosts.end(),
                     [&](const std::string& entry) { return HostMatches(lower, entry); });
}

Status CheckResolvedAddress(const std::string& ip_text, const UrlPolicy& policy,
                            bool host_admitted) {
  bool is_v4 = false;
  std::optional<IpBytes> ip = ParseIp(ip_text, &is_v4);
  if (!ip) return Status::InvalidArgument("'" + ip_text + "' is not an IP address");
  if (RuleHit hit = FindRuleOrEmbedded(kAlwaysRefused, *ip); hit.rule != nullptr) {
    return Refused(ip_text, hit, "");
  }
  if (Status s = CheckDenyCidrs(ip_text, *ip, policy); !s.ok()) return s;
  if (!policy.allow_cidrs.empty()) return CheckAllowCidrs(ip_text, *ip, policy);
  if (policy.allow_private || host_admitted || AddressAdmitted(*ip, policy)) return Status::Ok();
  if (RuleHit hit = FindRuleOrEmbedded(kPrivate, *ip); hit.rule != nullptr) {
    return Refused(ip_text, hit,
                   "; the server listens beyond loopback, so private destinations need "
                   "--allow-outbound (CONVEYOR_OUTBOUND_ALLOW) or set allow_private "
                   "(--webhook-allow-private true)");
  }
  return Status::Ok();
}

Status SplitHostsAndCidrs(std::string_view list, std::vector<std::string>* hosts,
                          std::vector<std::string>* cidrs) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string entry(list.substr(start, comma - start));
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    start = comma + 1;
    if (entry.empty()) continue;
    if (ParseCidr(entry)) {
      cidrs->push_back(entry);
    } else if (CheckHostName(Authority{.host = entry.starts_with('.') ? entry.substr(1) : entry})
                   .ok()) {
      hosts->push_back(entry);
    } else {
      return Status::InvalidArgument("'" + entry +
                                     "' is neither a host name nor an address or CIDR such as "
                                     "10.0.0.0/8");
    }
  }
  return Status::Ok();
}

}  // namespace conveyor
