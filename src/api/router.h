// Router: method + path pattern → handler. Patterns are literal segments and "{param}"
// segments ("/jobs/{id}/status"); matching walks the segments without allocating and without
// regular expressions. Paths are normalised first: the optional "/api/v1" prefix, the query
// string and a trailing slash are removed, so "/api/v1/jobs/" and "/jobs" reach the same route.
// A path that matches a pattern under another method gives MethodNotAllowed with the Allow list.
// The first registered pattern that matches a path decides: register literal routes first.
// Filled at start-up, read-only afterwards: Find() is thread-safe.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace conveyor::api {

struct RequestContext;

// Most handlers finish at once; submit waits for the store's group commit without blocking the
// io thread, so it is a coroutine.
using SyncHandler = void (*)(RequestContext&);
using AsyncHandler = boost::asio::awaitable<void> (*)(RequestContext&);

// Who may call a route when authentication is on (api/auth_check.h; docs/security.md). Every
// route must name one: Router::Add refuses kUnset, so a new route cannot slip in unguarded.
enum class Access : uint8_t {
  kUnset,
  kPublic,           // /health, /ready, /login, /logout: anyone
  kSignedIn,         // GET /session: any valid key or session, whatever its scopes
  kMetrics,          // /metrics: admin, or anyone with --metrics-open
  kWebhookReceiver,  // POST /webhook-receiver: signed bodies when the node has a secret; else admin
  kJobsSubmit,
  kJobsRead,
  kJobsManage,
  kWorkers,
  kAdmin,
};
std::string_view AccessName(Access access);

struct RouteHandler {
  SyncHandler sync = nullptr;
  AsyncHandler async = nullptr;
  Access access = Access::kUnset;
};

inline constexpr size_t kMaxPathParams = 2;
// The route of a request that matched no pattern (or was not read in full), for metrics.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";
using PathParams = std::array<std::string_view, kMaxPathParams>;

class Router {
 public:
  enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    MatchKind kind = MatchKind::kNotFound;
    RouteHandler handler;
    PathParams params;       // views into the path given to Find, in pattern order
    std::string_view allow;  // for kMethodNotAllowed, e.g. "GET, DELETE"
    // The path names one job: the pattern is /jobs/{id} or starts with it, and params[0] is
    // the id (a tenant's key reaches only its own: api/tenant_scope.h).
    bool names_job = false;
    // The matched pattern ("/jobs/{id}") for kFound and kMethodNotAllowed: a bounded label for
    // metrics and logs where the raw path is not.
    std::string_view pattern;
  };

  // Throws std::logic_error when handler.access is kUnset (a start-up bug every test catches).
  void Add(boost::beast::http::verb method, std::string_view pattern, RouteHandler handler);
  // `path` must already be normalised (see NormalizePath).
  Match Find(boost::beast::http::verb method, std::string_view path) const;

  struct RouteInfo {
    boost::beast::http::verb method;
    std::string pattern;  // "/jobs/{id}"
    Access access;
    bool names_job;  // as Match::names_job
  };
  // Every route, in registration order (the auth test walks them all).
  std::vector<RouteInfo> Routes() const;

  // Splits a request target into the normalised path and the raw query (without '?').
  static std::string_view NormalizePath(std::string_view target, std::string_view* query);

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  struct Method {
    boost::beast::http::verb verb;
    RouteHandler handler;
  };
  struct Pattern {
    std::vector<Segment> segments;
    std::vector<Method> methods;
    std::string allow;
    bool names_job = false;
    std::string text;  // "/jobs/{id}"
  };

  static bool MatchSegments(const Pattern& pattern, std::string_view path, PathParams* params);

  std::vector<Pattern> patterns_;
};

}  // namespace conveyor::api
