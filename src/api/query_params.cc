#include "api/query_params.h"

#include "core/percent_encoding.h"

namespace conveyor::api {

std::optional<ApiError> ParseQueryPairs(std::string_view query, std::vector<QueryPair>* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    QueryPair p;
    if (!PercentDecodeQuery(pair.substr(0, eq), &p.key) ||
        !PercentDecodeQuery(pair.substr(eq + 1), &p.value)) {
      return ApiError{ErrorKind::kMalformed, "the query string is not validly percent-encoded"};
    }
    if (!p.value.empty()) out->push_back(std::move(p));
  }
  return std::nullopt;
}

}  // namespace conveyor::api
