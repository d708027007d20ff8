// IP address helpers for the URL policy: parsing into one 16-byte form, host names that are
// really numbers, and the IPv4 addresses that IPv6 transition forms carry inside them.
//
// Why this exists: the resolver and libcurl read "127.1", "2130706433", "0177.0.0.1" and
// "0x7f.1" as 127.0.0.1, and an IPv6 address such as 64:ff9b::7f00:1 (NAT64) or
// 2002:7f00:1:: (6to4) reaches an IPv4 host through a translator. A policy that judged only the
// text, or only the outer IPv6 address, would let those through.
//
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conveyor {

// An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), so one set of IPv6
// prefixes covers both families.
using IpBytes = std::array<uint8_t, 16>;

// Strict text forms only (inet_pton: dotted quad, or IPv6 without a zone). Sets *is_v4.
std::optional<IpBytes> ParseIp(const std::string& text, bool* is_v4);

// The address text for `ip`: dotted quad for IPv4-mapped, else IPv6.
std::string IpText(const IpBytes& ip);

// True when the host name "ends in a number" (its last label, a trailing dot aside, is decimal
// digits or 0x-hex): the WHATWG URL rule for "this is meant as an IPv4 address".
bool LooksNumericIpv4(std::string_view host);

// The IPv4 address a numeric host means to the resolver (inet_aton: 1 to 4 parts, each
// decimal, 0-octal or 0x-hex, the last filling the remaining bytes), or nullopt if it is not one.
// libcurl normalises such hosts the same way before connecting.
std::optional<IpBytes> ParseNumericIpv4Host(std::string_view host);

// The IPv4 addresses an IPv6 address carries, each as IPv4-mapped bytes: IPv4-compatible
// ::a.b.c.d (not :: and ::1), SIIT ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16 and
// Teredo 2001::/32 (server and client). Empty for IPv4 and plain IPv6.
std::vector<IpBytes> EmbeddedIpv4(const IpBytes& ip);

}  // namespace conveyor
