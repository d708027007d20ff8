// RFC 3339 UTC timestamps with milliseconds ("2026-11-22T05:57:12.123Z"), the API's time format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace conveyor {

std::string FormatRfc3339(TimeMs t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]"; a time without an offset is taken as UTC (the
// seeds send naive times). Returns nullopt for anything else.
std::optional<TimeMs> ParseRfc3339(std::string_view text);

}  // namespace conveyor
