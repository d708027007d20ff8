#include "outbound/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace conveyor {
namespace {

IpBytes MappedV4(const uint8_t* four) {
  IpBytes out{};
  out[10] = out[11] = 0xff;
  std::copy(four, four + 4, out.begin() + 12);
  return out;
}

bool AllZero(const IpBytes& ip, size_t from, size_t to) {
  return std::all_of(ip.begin() + from, ip.begin() + to, [](uint8_t b) { return b == 0; });
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

bool IsDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::optional<IpBytes> ParseIp(const std::string& text, bool* is_v4) {
  IpBytes ip{};
  if (inet_pton(AF_INET, text.c_str(), ip.data() + 12) == 1) {
    ip[10] = ip[11] = 0xff;
    *is_v4 = true;
    return ip;
  }
  *is_v4 = false;
  if (inet_pton(AF_INET6, text.c_str(), ip.data()) == 1) return ip;
  return std::nullopt;
}

std::string IpText(const IpBytes& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  const bool v4 = AllZero(ip, 0, 10) && ip[10] == 0xff && ip[11] == 0xff;
  inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? ip.data() + 12 : ip.data(), buf, sizeof buf);
  return buf;
}

bool LooksNumericIpv4(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  std::string_view last = host.substr(host.rfind('.') + 1);  // npos + 1 == 0: the whole host
  if (IsDigits(last)) return true;
  return last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
         IsHex(last.substr(2));
}

std::optional<IpBytes> ParseNumericIpv4Host(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);  // libcurl drops one trailing dot too
  if (host.empty() || host.size() > 64) return std::nullopt;
  const bool allowed = std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isxdigit(c) || c == '.' || c == 'x' || c == 'X';
  });
  if (!allowed) return std::nullopt;
  in_addr addr{};
  // inet_aton is what glibc's resolver applies to a numeric host name (and what libcurl's own
  // normalisation mirrors).
  if (inet_aton(std::string(host).c_str(), &addr) == 0) return std::nullopt;
  return MappedV4(reinterpret_cast<const uint8_t*>(&addr.s_addr));
}

std::vector<IpBytes> EmbeddedIpv4(const IpBytes& ip) {
  std::vector<IpBytes> out;
  const uint8_t* b = ip.data();
  const bool unspecified_or_loopback = AllZero(ip, 0, 15) && b[15] <= 1;
  if (AllZero(ip, 0, 12) && !unspecified_or_loopback) {
    out.push_back(MappedV4(b + 12));  // IPv4-compatible ::a.b.c.d (:: and ::1 excluded)
  } else if (AllZero(ip, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    out.push_back(MappedV4(b + 12));  // SIIT IPv4-translated ::ffff:0:a.b.c.d
  } else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && AllZero(ip, 4, 12)) {
    out.push_back(MappedV4(b + 12));  // NAT64 well-known prefix 64:ff9b::/96
  } else if (b[0] == 0x20 && b[1] == 0x02) {
    out.push_back(MappedV4(b + 2));  // 6to4 2002:AABB:CCDD::/48
  } else if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
    out.push_back(MappedV4(b + 4));  // Teredo server
    uint8_t client[4];
    for (int i = 0; i < 4; ++i) client[i] = static_cast<uint8_t>(~b[12 + i]);
    out.push_back(MappedV4(client));  // Teredo client, stored inverted
  }
  return out;
}

}  // namespace conveyor
