// PercentEncode: RFC 3986 percent-encoding, for ids in URL paths and query values (the CLI's
// client) and for spotting a secret spelled as it would appear in a URL (RedactSecrets).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace conveyor {

// Every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, upper-case hex.
std::string PercentEncode(std::string_view text);

}  // namespace conveyor
