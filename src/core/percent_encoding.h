// PercentEncode: RFC 3986 percent-encoding, for ids in URL paths and query values (the CLI's
// client) and for spotting a secret spelled as it would appear in a URL (RedactSecrets).
// PercentDecodeQuery: the inverse for one query-string key or value (the API's query parsers).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace conveyor {

// Every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, upper-case hex.
std::string PercentEncode(std::string_view text);

// Decodes %XX and '+' (a space, as forms send it) into `out`; false on a malformed escape.
// Written here rather than taken from Boost.URL 1.81, whose decoded views of the last parameter
// read past its end (found by RoutesTest.ListFiltersAndPagesWithACursor).
bool PercentDecodeQuery(std::string_view in, std::string* out);

}  // namespace conveyor
