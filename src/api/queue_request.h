// Parsing of the queue and rate-limit requests (queues_resource.h): queue names from the path,
// PATCH bodies, rates written "100/minute". Every error names the field and says what works.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/problem.h"
#include "store/queue_types.h"

namespace conveyor::api {

using QueueError = std::optional<ApiError>;

// A {name} path segment, percent-decoded; nullopt when empty, longer than 128 bytes, or holding
// control characters.
std::optional<std::string> QueueNameParam(std::string_view raw);
std::string QueueNameRule();

// "100/minute", "10/second", "5/s", "1000/hour", "20/day", "3/10s" (3 per 10 seconds).
std::optional<RateLimit> ParseRate(std::string_view text);
std::string RateText(const RateLimit& r);

// A retention age as the queue JSON writes it: the largest of d, h, m, s, ms that divides it
// ("7d", "90m", "0"), which core/duration_text.h reads back.
std::string RetentionAgeText(TimeMs ms);

// PATCH /queues/{name}: weight 1..1000, concurrency_limit >= 1 or null, paused, max_attempts
// 1..100 or null, timeout_s 1..86400 or null, rate_limit "N/period" or null, retention
// {"succeeded": "3d", "failed": "0", "cancelled": null, "expired": ...} (a duration, 0 keeps
// for ever, null returns to the node's --retain-* age; absent states unchanged). Unknown fields
// are refused (nothing accepted then ignored).
QueueError ParseQueuePatch(std::string_view name_raw, std::string_view body,
                           QueuePatchParams* out);
// PUT /rate-limits/{type} with {"rate": "100/minute"}; DELETE (body nullopt) removes it.
QueueError ParseTypeRate(std::string_view type_raw, std::optional<std::string_view> body,
                         RateLimitSetParams* out);

}  // namespace conveyor::api
