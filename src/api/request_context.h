// RequestContext: everything a route handler may use for one request — the parsed request, its
// normalised path and path parameters, the correlation id, the runtime services it may call
// (Services, in http_server.h), the server's webhook receiver, and the Response to fill. Built by
// the session per request, on the session's strand; never shared across threads
// while a handler runs.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "api/problem.h"
#include "api/response.h"
#include "api/router.h"

namespace conveyor {
class DeliveryService;
class ExternalLeases;
class JobService;
class NodeRegistry;
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
  DeliveryService& deliveries;
  ExternalLeases& leases;
  NodeRegistry& nodes;
  WorkerPool* pool;  // null without local workers; only /admin/stats and /metrics read it
  const std::string& artifact_dir;
  WebhookReceiver* webhook_receiver;  // the server's own; only /webhook-receiver uses it
  Response& response;

  // Fills the response with the problem for `error`, instance = the request path.
  void Fail(const ApiError& error) const;
};

}  // namespace conveyor::api
