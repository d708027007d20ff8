// RequestContext: everything a route handler may use for one request — the parsed request, its
// normalised path and path parameters, the correlation id, the JobService, and the Response to
// fill, and the server's webhook receiver. Built by the session per request, on the session's strand; never shared across threads
// while a handler runs.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string_view>

#include "api/problem.h"
#include "api/response.h"
#include "api/router.h"

namespace conveyor {
class JobService;
class WorkerPool;
}  // namespace conveyor

namespace conveyor::api {

class WebhookReceiver;
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct RequestContext {
  const HttpRequest& request;
  std::string_view path;   // normalised: no /api/v1 prefix, no query, no trailing slash
  std::string_view query;  // raw, without '?'
  PathParams params;
  std::string_view correlation_id;  // as sent by the client, or generated; stored on submitted jobs
  JobService& jobs;
  WorkerPool* pool;  // null on API-only nodes; only /admin/stats reads it
  WebhookReceiver* webhook_receiver;  // the server's own; only /webhook-receiver uses it
  Response& response;

  // Fills the response with the problem for `error`, instance = the request path.
  void Fail(const ApiError& error) const;
};

}  // namespace conveyor::api
