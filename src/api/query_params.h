// ParseQueryPairs: a URL query string's key=value pairs, percent-decoded ('+' is a space), in
// order, for every route that takes query parameters. A pair without '=' or with an empty value
// is left out (HTML forms send "status=" for "no filter"); a malformed escape is the one problem
// every route answers for it. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/problem.h"

namespace conveyor::api {

struct QueryPair {
  std::string key;
  std::string value;
};

std::optional<ApiError> ParseQueryPairs(std::string_view query, std::vector<QueryPair>* out);

}  // namespace conveyor::api
