// Durations written by operators in flags and environment variables: "24h", "90m", "30s",
// "500ms", "7d", or a bare number of seconds ("3600"). Whole numbers only, one unit, no sign.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace conveyor {

// Durations above this (100 years) are refused, so every accepted one fits in TimeMs with room
// to add it to a time.
inline constexpr TimeMs kMaxDurationMs = TimeMs{100} * 365 * 24 * 3600 * 1000;

// The duration in milliseconds, or nullopt when `text` is not one (empty, negative, fractional,
// an unknown unit, above kMaxDurationMs).
std::optional<TimeMs> ParseDurationMs(std::string_view text);

// What a valid duration looks like, for error messages: "a duration such as 24h, 90m, 30s ...".
std::string DurationRule();

}  // namespace conveyor
