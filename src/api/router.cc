#include "api/router.h"

#include <stdexcept>

namespace conveyor::api {
namespace {

constexpr std::string_view kPrefix = "/api/v1";

// Calls `fn(segment)` for each '/'-separated segment of `path` (which starts with '/').
// Stops early and returns false when `fn` does.
template <class Fn>
bool ForEachSegment(std::string_view path, Fn&& fn) {
  size_t pos = path.empty() ? 0 : 1;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (!fn(path.substr(pos, end - pos))) return false;
    pos = end + 1;
  }
  return true;
}

}  // namespace

std::string_view Router::NormalizePath(std::string_view target, std::string_view* query) {
  const size_t q = target.find('?');
  *query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::string_view path = target.substr(0, q);
  if (path.starts_with(kPrefix) && (path.size() == kPrefix.size() || path[kPrefix.size()] == '/')) {
    path.remove_prefix(kPrefix.size());
  }
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path.empty() ? std::string_view("/") : path;
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kUnset: return "unset";
    case Access::kPublic: return "public";
    case Access::kSignedIn: return "signed-in";
    case Access::kMetrics: return "metrics";
    case Access::kWebhookReceiver: return "webhook-receiver";
    case Access::kJobsSubmit: return "jobs:submit";
    case Access::kJobsRead: return "jobs:read";
    case Access::kJobsManage: return "jobs:manage";
    case Access::kWorkers: return "workers";
    case Access::kAdmin: return "admin";
  }
  return "unset";
}

void Router::Add(boost::beast::http::verb method, std::string_view pattern, RouteHandler handler) {
  if (handler.access == Access::kUnset) {
    throw std::logic_error("route " + std::string(pattern) + " has no access rule");
  }
  std::vector<Segment> segments;
  ForEachSegment(pattern, [&](std::string_view s) {
    const bool param = s.size() > 2 && s.front() == '{' && s.back() == '}';
    segments.push_back({std::string(s), param});
    return true;
  });
  Pattern* target = nullptr;
  for (auto& p : patterns_) {
    bool same = p.segments.size() == segments.size();
    for (size_t i = 0; same && i < segments.size(); ++i) {
      same = p.segments[i].is_param == segments[i].is_param &&
             (segments[i].is_param || p.segments[i].text == segments[i].text);
    }
    if (same) target = &p;
  }
  if (!target) {
    const bool names_job = segments.size() >= 2 && segments[0].text == "jobs" &&
                           segments[1].is_param;
    target = &patterns_.emplace_back(
        Pattern{std::move(segments), {}, {}, names_job, std::string(pattern)});
  }
  target->methods.push_back({method, handler});
  if (!target->allow.empty()) target->allow += ", ";
  target->allow += std::string_view(boost::beast::http::to_string(method));
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const Pattern& p : patterns_) {
    for (const Method& m : p.methods) {
      out.push_back({m.verb, p.text, m.handler.access, p.names_job});
    }
  }
  return out;
}

bool Router::MatchSegments(const Pattern& pattern, std::string_view path, PathParams* params) {
  size_t i = 0;
  size_t n_params = 0;
  const bool all = ForEachSegment(path, [&](std::string_view s) {
    if (i >= pattern.segments.size()) return false;
    const Segment& seg = pattern.segments[i++];
    if (!seg.is_param) return seg.text == s;
    if (s.empty() || n_params >= kMaxPathParams) return false;
    (*params)[n_params++] = s;
    return true;
  });
  return all && i == pattern.segments.size();
}

Router::Match Router::Find(boost::beast::http::verb method, std::string_view path) const {
  // The first pattern that matches the path decides, so literal routes registered before
  // parameter routes win: GET /jobs/batch is a 405, not a lookup of the job "batch".
  for (const auto& pattern : patterns_) {
    PathParams params;
    if (!MatchSegments(pattern, path, &params)) continue;
    for (const auto& m : pattern.methods) {
      if (m.verb == method) {
        return {MatchKind::kFound, m.handler, params, {}, pattern.names_job, pattern.text};
      }
    }
    return {MatchKind::kMethodNotAllowed, {}, {}, pattern.allow, false, pattern.text};
  }
  return {};
}

}  // namespace conveyor::api
