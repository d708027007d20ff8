// Which dialect a request asks its answer in (core/dialect.h): the Conveyor-Dialect header or the
// `dialect` query parameter, named by a dialect's word for success. Neither: each job answers in
// the dialect it was submitted in. Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "api/problem.h"
#include "core/dialect.h"

namespace conveyor::api {

// True when the request target is under /api/v1 (seed 001's routes), which picks the nested
// result shape of the `success` dialect.
bool UnderApiPrefix(std::string_view target);

// The explicit dialect of a request, resolved for its route prefix (ForRoute); a 400 naming the
// choices when a name is unknown, or when the header and the query name different dialects.
std::optional<ApiError> RequestedDialect(std::string_view header, std::string_view query,
                                         bool under_api_prefix, std::optional<Dialect>* out);

}  // namespace conveyor::api
