// List query normalisation: GET /jobs?status=&type=&queue=&limit=&cursor=&offset= into
// JobListParams, with the contract's errors (400 for a cursor that is not a job id, 422 for a
// bad status, limit or offset). Unknown parameters are ignored. Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "api/problem.h"
#include "store/store.h"

namespace conveyor::api {

inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 1000;

// `query` is the raw query string without the '?', percent-encoded as sent.
std::optional<ApiError> ParseListQuery(std::string_view query, JobListParams* out);

}  // namespace conveyor::api
