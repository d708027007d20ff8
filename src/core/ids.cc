#include "core/ids.h"

#include <atomic>
#include <mutex>
#include <random>

namespace conveyor {
namespace {

constexpr char kHex[] = "0123456789abcdef";

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

void PutHex(std::string& out, uint64_t v, int nibbles) {
  for (int i = nibbles - 1; i >= 0; --i) out.push_back(kHex[(v >> (i * 4)) & 0xF]);
}

}  // namespace

std::string LowerHex(const unsigned char* data, size_t n) {
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

std::string NewUuidV7(TimeMs now) {
  // Monotonic across threads: (ms, counter) only moves forward.
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint64_t counter = 0;
  uint64_t ms, seq;
  {
    std::lock_guard<std::mutex> lock(mu);
    ms = static_cast<uint64_t>(now);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0xFFF) {
        ++ms;
        counter = 0;
      }
    } else {
      counter = RandomU64() & 0x1FF;  // leave headroom for this millisecond
    }
    last_ms = ms;
    seq = counter;
  }
  const uint64_t rand_b = RandomU64();
  std::string out;
  out.reserve(36);
  PutHex(out, ms >> 16, 8);
  out.push_back('-');
  PutHex(out, ms & 0xFFFF, 4);
  out.push_back('-');
  PutHex(out, 0x7000 | seq, 4);
  out.push_back('-');
  PutHex(out, 0x8000 | ((rand_b >> 48) & 0x3FFF), 4);
  out.push_back('-');
  PutHex(out, rand_b & 0xFFFFFFFFFFFFULL, 12);
  return out;
}

bool IsValidUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string NewToken() {
  std::string out;
  out.reserve(32);
  PutHex(out, RandomU64(), 16);
  PutHex(out, RandomU64(), 16);
  return out;
}

std::string Fingerprint(std::string_view data) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::string out;
  PutHex(out, h, 16);
  return out;
}

}  // namespace conveyor
