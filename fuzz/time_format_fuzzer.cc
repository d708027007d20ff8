// Fuzzes ParseRfc3339 (core/time_format.cc), which reads run_at / expires_at from every submit.
// Invariants: no crash or UB on any bytes, and a parsed time inside the years 0000..9999 prints
// with FormatRfc3339 as a text that parses back to the same instant.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time_format.h"
#include "fuzz_check.h"

namespace {

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in ms since the epoch: the years
// FormatRfc3339 prints with four digits.
constexpr int64_t kMinFour = -62167219200000;
constexpr int64_t kMaxFour = 253402300799999;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto t = conveyor::ParseRfc3339(text);
  if (!t || *t < kMinFour || *t > kMaxFour) return 0;
  const std::string printed = conveyor::FormatRfc3339(*t);
  const auto again = conveyor::ParseRfc3339(printed);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *t);
  return 0;
}
