// Fuzzes the webhook URL policy (outbound/url_policy.cc). The input is up to three lines: a URL, an
// operator's allow list and a deny list (the --webhook-allow-hosts/--webhook-deny-hosts syntax,
// split by SplitHostsAndCidrs). Invariants: no crash or UB; the strict policy (no private
// addresses) never accepts what the permissive one refuses; an accepted URL whose host is an IP
// literal, or an address passed at connect time, is never link-local, metadata, unspecified or
// multicast, nor (strict) loopback or private; every address the lists admit is judged by
// CheckResolvedAddress without crashing.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "outbound/url_policy.h"

namespace {

std::string_view NextLine(std::string_view* rest) {
  const size_t nl = rest->find('\n');
  const std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  return line;
}

// The URL's host as libcurl would connect to it when it is an IP literal: after "://", up to
// '/', '?' or '#', without brackets or port. Written independently of url_policy.cc.
std::string LiteralHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view a = url.substr(scheme + 3);
  a = a.substr(0, a.find_first_of("/?#"));
  if (a.starts_with('[')) return std::string(a.substr(1, a.find(']') - 1));
  return std::string(a.substr(0, a.find(':')));
}

bool IsPrivateV4(const uint8_t* a) {
  return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64);
}

// Always refused: link-local (169.254.169.254 included), 0.0.0.0/8, fe80::/10, ::, multicast;
// when strict also loopback, RFC 1918, CGNAT and ULA. IPv4-mapped IPv6 is judged as IPv4.
void CheckAddressRefused(const std::string& host, bool strict) {
  std::array<uint8_t, 16> ip{};
  const uint8_t* v4 = nullptr;
  if (inet_pton(AF_INET, host.c_str(), ip.data()) == 1) {
    v4 = ip.data();
  } else if (inet_pton(AF_INET6, host.c_str(), ip.data()) == 1) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, ip.data())) {
      v4 = ip.data() + 12;
    } else {
      FUZZ_CHECK(!(ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80));  // fe80::/10
      FUZZ_CHECK(ip[0] != 0xff);                               // multicast
      std::array<uint8_t, 16> metadata{};
      FUZZ_CHECK(inet_pton(AF_INET6, "fd00:ec2::254", metadata.data()) == 1);
      FUZZ_CHECK(ip != metadata);
      FUZZ_CHECK(!std::all_of(ip.begin(), ip.end(), [](uint8_t b) { return b == 0; }));
      if (strict) {
        FUZZ_CHECK((ip[0] & 0xfe) != 0xfc);  // fc00::/7
        static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        FUZZ_CHECK(!std::equal(kLoopback, kLoopback + 16, ip.data()));
      }
    }
  }
  if (v4 == nullptr) return;
  FUZZ_CHECK(!(v4[0] == 169 && v4[1] == 254));
  FUZZ_CHECK(!(v4[0] == 100 && v4[1] == 100 && v4[2] == 100 && v4[3] == 200));  // metadata
  FUZZ_CHECK(v4[0] != 0 && (v4[0] & 0xf0) != 0xe0);  // 0.0.0.0/8, multicast
  if (strict) FUZZ_CHECK(!IsPrivateV4(v4));
}

void CheckOne(std::string_view url, const conveyor::UrlPolicy& policy) {
  const conveyor::Status s = conveyor::CheckWebhookUrl(url, policy);
  // An explicit allow_cidrs entry admits a private address on purpose (rule 3).
  if (s.ok()) {
    CheckAddressRefused(LiteralHost(url), !policy.allow_private && policy.allow_cidrs.empty());
  }
  for (const std::string& cidr : policy.allow_cidrs) {
    (void)conveyor::CheckResolvedAddress(cidr.substr(0, cidr.find('/')), policy);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view url = NextLine(&rest);
  const std::string_view allow = NextLine(&rest);
  const std::string_view deny = NextLine(&rest);

  conveyor::UrlPolicy open;
  conveyor::UrlPolicy strict{.allow_private = false};
  const bool open_ok = conveyor::CheckWebhookUrl(url, open).ok();
  const bool strict_ok = conveyor::CheckWebhookUrl(url, strict).ok();
  FUZZ_CHECK(open_ok || !strict_ok);
  if (open_ok) CheckAddressRefused(LiteralHost(url), false);
  if (strict_ok) CheckAddressRefused(LiteralHost(url), true);
  // The connect-time check on the first line taken as an address (what DNS could return).
  const std::string address(url);
  if (conveyor::CheckResolvedAddress(address, open).ok()) CheckAddressRefused(address, false);
  if (conveyor::CheckResolvedAddress(address, strict).ok()) CheckAddressRefused(address, true);

  conveyor::UrlPolicy listed{.allow_private = false};
  if (!conveyor::SplitHostsAndCidrs(allow, &listed.allow_hosts, &listed.allow_cidrs).ok()) return 0;
  if (!conveyor::SplitHostsAndCidrs(deny, &listed.deny_hosts, &listed.deny_cidrs).ok()) return 0;
  CheckOne(url, listed);
  listed.allow_private = true;
  CheckOne(url, listed);
  return 0;
}
