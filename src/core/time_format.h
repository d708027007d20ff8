// RFC 3339 UTC timestamps with milliseconds ("2026-11-22T05:57:12.123Z"), the API's time format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace conveyor {

// The range FormatRfc3339 can write with a four-digit year:
// 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z.
inline constexpr TimeMs kMinRfc3339Ms = -62'167'219'200'000;
inline constexpr TimeMs kMaxRfc3339Ms = 253'402'300'799'999;

std::string FormatRfc3339(TimeMs t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]"; a time without an offset is taken as UTC (the
// seeds send naive times). Returns nullopt for anything else, including a time whose offset
// moves it outside [kMinRfc3339Ms, kMaxRfc3339Ms].
std::optional<TimeMs> ParseRfc3339(std::string_view text);

}  // namespace conveyor
