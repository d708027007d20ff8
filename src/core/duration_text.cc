#include "core/duration_text.h"

#include <charconv>
#include <cstdint>

namespace conveyor {
namespace {

struct Unit {
  std::string_view suffix;
  TimeMs ms;
};

// "ms" before "s", so "500ms" is not read as 500 "m" + "s".
constexpr Unit kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

}  // namespace

std::optional<TimeMs> ParseDurationMs(std::string_view text) {
  TimeMs unit_ms = 1000;  // a bare number counts seconds
  for (const Unit& u : kUnits) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      text.remove_suffix(u.suffix.size());
      unit_ms = u.ms;
      break;
    }
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (n > static_cast<uint64_t>(kMaxDurationMs / unit_ms)) return std::nullopt;
  return static_cast<TimeMs>(n) * unit_ms;
}

std::string DurationRule() {
  return "a whole number with a unit, such as 24h, 90m, 30s, 500ms or 7d (no unit: seconds), "
         "at most 100 years";
}

}  // namespace conveyor
