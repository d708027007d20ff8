#include "api/list_request.h"

#include <boost/url/parse_query.hpp>
#include <charconv>
#include <string>

#include "core/ids.h"
#include "core/job_state.h"

namespace conveyor::api {
namespace {

constexpr std::string_view kStatusRule =
    "status must be one of SCHEDULED, PENDING, RUNNING, SUCCEEDED, RETRYING, FAILED, CANCELLED, "
    "EXPIRED (any case; the aliases queued, in_progress, processing, success and completed are "
    "accepted too)";

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<ApiError> Apply(std::string_view key, const std::string& value, JobListParams* out) {
  if (key == "status") {
    out->state = ParseJobState(value);
    if (!out->state) return ApiError{ErrorKind::kInvalidField, std::string(kStatusRule)};
  } else if (key == "type") {
    out->type = value;
  } else if (key == "queue") {
    out->queue = value;
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

std::optional<ApiError> ParseListQuery(std::string_view query, JobListParams* out) {
  out->limit = kDefaultListLimit;
  auto params = boost::urls::parse_query(query);
  if (!params) {
    return ApiError{ErrorKind::kMalformed, "the query string is not validly percent-encoded"};
  }
  for (const auto& param : *params) {
    // An empty value ("status=") means "no filter", as HTML forms send it.
    if (!param.has_value || param.value.empty()) continue;
    const std::string key = param.key.decode();
    if (auto e = Apply(key, param.value.decode(), out)) return e;
  }
  return std::nullopt;
}

}  // namespace conveyor::api
