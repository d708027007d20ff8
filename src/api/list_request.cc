#include "api/list_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include "api/query_params.h"
#include "core/ids.h"
#include "core/job_state.h"
#include "runtime/job_spec.h"

namespace conveyor::api {
namespace {

constexpr std::string_view kStatusRule =
    "status must be one of SCHEDULED, PENDING, RUNNING, SUCCEEDED, RETRYING, FAILED, CANCELLED, "
    "EXPIRED, BLOCKED (any case; the aliases queued, in_progress, processing, success and "
    "completed are accepted too)";

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A word of the list's dialect matches every state the dialect names with it (seed 002's
// PENDING covers SCHEDULED, PENDING, RETRYING and BLOCKED), as its answers show them; any other
// accepted name matches its one state.
bool ApplyStatus(const std::string& value, Dialect dialect, JobListParams* out) {
  out->state = ParseJobState(value);
  if (!out->state) return false;
  out->also_states.clear();
  const std::string_view word = StatusName(dialect, *out->state);
  if (!EqualsIgnoringCase(word, value)) return true;
  for (int i = 0; i < kJobStateCount; ++i) {
    const auto s = static_cast<JobState>(i);
    if (s != *out->state && StatusName(dialect, s) == word &&
        out->also_states.size() < kMaxListExtraStates) {
      out->also_states.push_back(s);
    }
  }
  return true;
}

std::optional<ApiError> Apply(std::string_view key, const std::string& value, Dialect dialect,
                              JobListParams* out) {
  if (key == "status") {
    if (!ApplyStatus(value, dialect, out)) {
      return ApiError{ErrorKind::kInvalidField, std::string(kStatusRule)};
    }
  } else if (key == "type") {
    out->type = value;
  } else if (key == "queue") {
    out->queue = value;
  } else if (key == "idempotency_key") {
    if (value.size() > kMaxIdempotencyKeyLength) {
      return ApiError{ErrorKind::kInvalidField,
                      "idempotency_key must be a string of 1 to " +
                          std::to_string(kMaxIdempotencyKeyLength) + " characters"};
    }
    out->idempotency_key = value;
  } else if (key == "limit") {
    const auto n = ParseInt(value);
    if (!n || *n < 1 || *n > kMaxListLimit) {
      return ApiError{ErrorKind::kInvalidField, "limit must be an integer from 1 to 1000"};
    }
    out->limit = *n;
  } else if (key == "cursor") {
    if (!IsValidUuid(value)) {
      return ApiError{ErrorKind::kMalformed,
                      "cursor must be a job id (UUID), as returned in next_cursor"};
    }
    out->cursor = value;
  } else if (key == "state") {
    // Unknown parameters are ignored, but this one reads like a filter the list does not apply:
    // a client asking for ?state=RUNNING would otherwise get every job back and trust it.
    return ApiError{ErrorKind::kInvalidField,
                    "GET /jobs filters by status (?status=RUNNING, for example); there is no "
                    "state parameter"};
  } else if (key == "offset") {
    const auto n = ParseInt(value);
    if (!n || *n < 0) {
      return ApiError{ErrorKind::kInvalidField, "offset must be an integer of 0 or more"};
    }
    out->offset = *n;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseListQuery(std::string_view query, JobListParams* out,
                                       Dialect dialect) {
  out->limit = kDefaultListLimit;
  std::vector<QueryPair> pairs;
  if (auto e = ParseQueryPairs(query, &pairs)) return e;
  for (const auto& [key, value] : pairs) {
    if (auto e = Apply(key, value, dialect, out)) return e;
  }
  return std::nullopt;
}

}  // namespace conveyor::api
