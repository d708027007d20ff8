// Dialect: the vocabulary a job is answered in. Clients written for the systems Conveyor replaces
// (docs/api.md, "Coming from another stack") read status names and field names of their own; a
// job remembers the dialect it was submitted in, and every answer about it (create, get, status,
// result, list, cancel, retry, webhook events) speaks that dialect unless the request asks for
// another one. Each dialect is one row of a table (DialectRules), named by its word for success.
// Pure data; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/job_state.h"

namespace conveyor {

enum class Dialect : uint8_t {
  kSucceeded,  // Conveyor's own: SCHEDULED … SUCCEEDED, upper case
  kSuccess,    // {operation, data} under /api/v1: PENDING/IN_PROGRESS/SUCCESS/FAILED, nested result
  kSuccessPlain,  // {operation, data} without the prefix: the same words, the result a bare number
  kCompleted,     // PENDING/PROCESSING/COMPLETED/FAILED, attempts and error_message
  kQueued,        // lower case queued/running/succeeded/…, task_name, 202 Accepted
};

// How GET /jobs/{id}/result shows the result.
enum class ResultShape : uint8_t {
  kValue,        // "result": <the handler's JSON>
  kNested,       // "result": {"result": <value>, "error": <error or null>}
  kPlainNumber,  // "result": <value>, an integer written as a float (14.0), as Python's float is
};

struct DialectRules {
  std::string_view name;                   // the interface name: "succeeded", "success", …
  std::string_view stored;                 // the name kept in the store ("success-plain" for 004)
  std::array<std::string_view, 9> status;  // by JobState, in enum order
  std::string_view type_alias;             // an extra member repeating the type, or ""
  bool attempt_aliases = false;            // attempts, error_message, scheduled_at
  int created_status = 201;                // the HTTP status of a create
  ResultShape result_shape = ResultShape::kValue;
  // The client's priority numbers count up to urgency (10 runs first); Conveyor's count down
  // (1 runs first). Such a dialect's numbers are mirrored (11 - p) on the way in and out.
  bool priority_counts_up = false;
};

const DialectRules& RulesOf(Dialect dialect);

// The interface names ("succeeded", "success", "completed", "queued"), case-insensitive. "success"
// gives kSuccess; which of the two success dialects applies to a request is the route prefix's
// choice (ForRoute).
std::optional<Dialect> ParseDialect(std::string_view name);
// The stored name (DialectRules::stored) back to the dialect; an unknown name is kSucceeded.
Dialect DialectFromStored(std::string_view stored);
// kSuccess and kSuccessPlain are one vocabulary with two result shapes: seed 001's routes are under
// /api/v1, seed 004's are not. Other dialects are returned as they are.
Dialect ForRoute(Dialect dialect, bool under_api_prefix);

// The dialect's word for `state`.
inline std::string_view StatusName(Dialect dialect, JobState state) {
  return RulesOf(dialect).status[static_cast<size_t>(state)];
}

// A priority between the client's count and the store's (1 runs first, 10 last): mirrored
// (11 - p) for a dialect whose numbers count up to urgency, as is for the others. The mirror is
// its own inverse, so the same call converts either way.
inline int PriorityFor(Dialect dialect, int priority) {
  return RulesOf(dialect).priority_counts_up ? 11 - priority : priority;
}

// "succeeded, success, completed, queued": for error messages.
std::string_view DialectNames();

}  // namespace conveyor
