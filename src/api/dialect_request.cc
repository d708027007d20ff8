#include "api/dialect_request.h"

#include <string>

namespace conveyor::api {
namespace {

constexpr std::string_view kPrefix = "/api/v1";
constexpr std::string_view kParam = "dialect=";

// The raw value of the last `dialect=` parameter; dialect names need no percent-decoding, and an
// encoded one is simply an unknown name.
std::optional<std::string_view> QueryDialect(std::string_view query) {
  std::optional<std::string_view> found;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with(kParam)) found = pair.substr(kParam.size());
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return found;
}

std::optional<ApiError> Parse(std::string_view where, std::string_view name, bool under_api_prefix,
                              std::optional<Dialect>* out) {
  const auto dialect = ParseDialect(name);
  if (!dialect) {
    constexpr size_t kMaxEcho = 32;
    std::string detail(where);
    detail.append(" must name a dialect by its word for success: ").append(DialectNames());
    detail.append("; got \"").append(name.substr(0, kMaxEcho)).append("\"");
    return ApiError{ErrorKind::kMalformed, std::move(detail)};
  }
  *out = ForRoute(*dialect, under_api_prefix);
  return std::nullopt;
}

}  // namespace

bool UnderApiPrefix(std::string_view target) {
  return target.starts_with(kPrefix) &&
         (target.size() == kPrefix.size() || target[kPrefix.size()] == '/' ||
          target[kPrefix.size()] == '?');
}

std::optional<ApiError> RequestedDialect(std::string_view header, std::string_view query,
                                         bool under_api_prefix, std::optional<Dialect>* out) {
  std::optional<Dialect> from_header;
  std::optional<Dialect> from_query;
  if (!header.empty()) {
    if (auto e = Parse("the Conveyor-Dialect header", header, under_api_prefix, &from_header))
      return e;
  }
  if (const auto name = QueryDialect(query); name && !name->empty()) {
    if (auto e = Parse("the dialect query parameter", *name, under_api_prefix, &from_query))
      return e;
  }
  if (from_header && from_query && *from_header != *from_query) {
    return ApiError{ErrorKind::kMalformed,
                    "the Conveyor-Dialect header and the dialect query parameter name different "
                    "dialects; give one of them"};
  }
  *out = from_query ? from_query : from_header;
  return std::nullopt;
}

}  // namespace conveyor::api
