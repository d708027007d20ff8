// GET /events (under /api/v1): live job transitions and progress as Server-Sent Events
// (docs/api.md "Live events"; the stream is api/event_stream.h, the source
// runtime/events/event_feed.h). Filters ?job_id=, ?type=, ?queue= (each repeatable or
// comma-separated, at most kMaxEventFilterValues values), resume with the Last-Event-ID header
// or ?since=<seq>; with neither the stream starts now. A tenant's key sees only its tenant's
// jobs. Past the node's or the key's stream limit: 503 or 429.
#pragma once

#include <optional>
#include <string_view>

#include "api/problem.h"
#include "api/router.h"
#include "runtime/events/event_feed.h"

namespace conveyor::api {

inline constexpr size_t kMaxEventFilterValues = 100;

// The query string (raw, without '?') and the Last-Event-ID header ("" when absent) into the
// subscription's filter and start. Pure; thread-safe.
std::optional<ApiError> ParseEventsRequest(std::string_view query, std::string_view last_event_id,
                                           SubscribeParams* out);

void RegisterEventRoutes(Router& router);

}  // namespace conveyor::api
