// Printing the server's JSON for people: two-space indented, keys in the server's order.
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace conveyor::cli {

std::string PrettyJson(const boost::json::value& v);
// Text that is not JSON comes back unchanged (an error page from a proxy, say).
std::string PrettyJsonText(std::string_view text);

}  // namespace conveyor::cli
