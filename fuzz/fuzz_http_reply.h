// CheckReplies: the HTTP harness's check of what the server sent back on one connection — zero
// or more responses, each "HTTP/1.1 NNN ...", headers, and (except 1xx) a Content-Length body.
// Aborts (a libFuzzer crash) on a malformed answer, an error that is not problem+json, or a 500.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.h"

namespace conveyor::fuzz {

inline std::string Lower(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower;
}

inline size_t ContentLength(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  const std::string lower = Lower(head);
  const size_t at = lower.find(kName);
  FUZZ_CHECK(at != std::string::npos);
  size_t pos = at + kName.size(), n = 0;
  while (pos < head.size() && head[pos] == ' ') ++pos;
  FUZZ_CHECK(pos < head.size() && head[pos] >= '0' && head[pos] <= '9');
  while (pos < head.size() && head[pos] >= '0' && head[pos] <= '9')
    n = n * 10 + (head[pos++] - '0');
  return n;
}

inline void CheckReplies(std::string_view reply) {
  while (!reply.empty()) {
    FUZZ_CHECK(reply.starts_with("HTTP/1.1 ") || reply.starts_with("HTTP/1.0 "));
    FUZZ_CHECK(reply.size() >= 12);
    const unsigned status = (reply[9] - '0') * 100u + (reply[10] - '0') * 10u + (reply[11] - '0');
    const size_t end = reply.find("\r\n\r\n");
    FUZZ_CHECK(end != std::string_view::npos);
    const std::string_view head = reply.substr(0, end + 2);
    if (status == 500) {
      std::fprintf(stderr, "the server answered 500:\n%.*s\n", static_cast<int>(reply.size()),
                   reply.data());
      FUZZ_CHECK(status != 500);
    }
    // Every error is RFC 9457 problem+json (api/problem.h), whatever produced it.
    if (status >= 400) {
      FUZZ_CHECK(Lower(head).find("\r\ncontent-type: application/problem+json") !=
                 std::string::npos);
    }
    const size_t body = status < 200 ? 0 : ContentLength(head);
    FUZZ_CHECK(reply.size() >= end + 4 + body);
    reply.remove_prefix(end + 4 + body);
  }
}

}  // namespace conveyor::fuzz
