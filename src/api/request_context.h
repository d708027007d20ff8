// RequestContext: everything a route handler may use for one request — the parsed request, its
// normalised path and path parameters, the correlation id, the runtime services it may call
// (Services, in http_server.h), the server's webhook receiver, and the Response to fill. Built by
// the session per request, on the session's strand; never shared across threads
// while a handler runs.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/problem.h"
#include "api/response.h"
#include "api/router.h"
#include "core/dialect.h"
#include "core/job.h"

namespace conveyor {
class DeliveryService;
class EventFeed;
class ExternalLeases;
class JobService;
class NodeRegistry;
class ScheduleService;
class WorkerPool;
namespace auth {
class KeyLimiter;
class KeyRing;
struct Principal;
}  // namespace auth
}  // namespace conveyor

namespace conveyor::api {

class LoginGuard;
class WebhookReceiver;
struct AuthSettings;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct RequestContext {
  const HttpRequest& request;
  std::string_view path;   // normalised: no /api/v1 prefix, no query, no trailing slash
  std::string_view query;  // raw, without '?'
  PathParams params;
  std::string_view correlation_id;  // as sent by the client, or generated; stored on submitted jobs
  JobService& jobs;
  DeliveryService& deliveries;
  ExternalLeases& leases;
  NodeRegistry& nodes;
  WorkerPool* pool;  // null without local workers; only /admin/stats and /metrics read it
  const std::string& artifact_dir;
  WebhookReceiver* webhook_receiver;  // the server's own; only /webhook-receiver uses it
  Response& response;
  ScheduleService* schedules = nullptr;  // /schedules; null on a node that does not serve them
  // The dialect the request asked for (Conveyor-Dialect header or ?dialect=), if any; without
  // one each job answers in the dialect it was submitted in (core/dialect.h).
  std::optional<Dialect> dialect = std::nullopt;
  Dialect default_dialect = Dialect::kSucceeded;  // --dialect: for {type, payload} submissions
  bool under_api_prefix = false;                  // the target starts with /api/v1
  // The key that called, when authentication is on and the route needs one; null otherwise.
  const auth::Principal* principal = nullptr;
  auth::KeyRing* keys = nullptr;  // /keys; null when the server has none
  auth::KeyLimiter* limiter = nullptr;  // jobs per key (the submit routes); null: no limits
  const AuthSettings* auth = nullptr;  // the gate's settings (/login, /session)
  LoginGuard* login = nullptr;         // /login's limits and the admin user
  EventFeed* events = nullptr;  // GET /events; null on a node that does not serve them

  Dialect AnswerDialect(const Job& job) const { return dialect.value_or(job.dialect); }

  // Fills the response with the problem for `error`, instance = the request path.
  void Fail(const ApiError& error) const;
};

}  // namespace conveyor::api
