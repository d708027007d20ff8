// List query normalisation: GET /jobs?status=&type=&queue=&idempotency_key=&limit=&cursor=
// &offset= into JobListParams (idempotency_key: the job holding that key now, 0 or 1 jobs), with
// the contract's errors (400 for a cursor that is not a job id, 422 for a bad status, limit,
// offset or an over-long key; 422 for `state`, which reads like a filter this list does not
// have). Other unknown parameters are ignored. Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "api/problem.h"
#include "core/dialect.h"
#include "store/store.h"

namespace conveyor::api {

inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 1000;
// A GET /jobs page stops after the job that brings its JSON to this size (next_cursor then
// continues after that job), so big payloads make shorter pages, not bigger answers.
inline constexpr size_t kMaxListPageBytes = 4 << 20;

// `query` is the raw query string without the '?', percent-encoded as sent. `dialect` is the one
// the list answers in: a status word of it matches every state it names.
std::optional<ApiError> ParseListQuery(std::string_view query, JobListParams* out,
                                       Dialect dialect = Dialect::kSucceeded);

}  // namespace conveyor::api
