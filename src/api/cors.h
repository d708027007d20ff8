// CORS: lets pages served from the operator's listed origins (--cors-origin) call the API from
// a browser. Off by default: with no origin listed nothing here adds a header, and an OPTIONS
// request is a 405 like any other unregistered method.
//
// With origins listed:
//   - a request whose Origin is listed gets Access-Control-Allow-Origin: <that origin> and
//     Vary: Origin (any request carrying an Origin gets the Vary); others get no CORS header,
//     so the browser withholds the answer from the page;
//   - a preflight (OPTIONS with Origin and Access-Control-Request-Method) from a listed origin
//     to an existing route is answered 204 with the route's methods, the request headers the
//     API reads and Max-Age 600 — before any authentication, since a preflight carries none.
// No Access-Control-Allow-Credentials: API keys travel in the Authorization header, which a
// page sets itself; cookies are never offered to another origin. "*" is refused: an API that
// takes keys must name the pages it trusts.
//
// Pure functions over the configured list; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/request_context.h"
#include "api/response.h"
#include "api/router.h"
#include "core/status.h"

namespace conveyor::api {

// The comma-separated values of a repeatable flag as one list of origins, trimmed, the scheme
// and host lower-cased (as browsers send them).
std::vector<std::string> SplitCorsOrigins(const std::vector<std::string>& values);

// InvalidArgument naming the first bad origin: each must be exactly http(s)://host[:port], with
// no path, query or trailing slash; "*" and "null" are refused.
Status CheckCorsOrigins(const std::vector<std::string>& origins);

// The session's hook, first thing after routing: true when `request` is a CORS preflight from a
// listed origin to an existing route, which it answered in `response` (204); the session then
// sends it as it is.
bool AnswerCorsPreflight(const std::vector<std::string>& origins, const HttpRequest& request,
                         const Router::Match& match, Response* response);

// Sets the response's CORS headers for `request` (called by the session on every answer).
void SetCorsHeaders(const std::vector<std::string>& origins, const HttpRequest& request,
                    Response* response);

}  // namespace conveyor::api
