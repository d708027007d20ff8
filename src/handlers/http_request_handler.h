// http.request: makes one outgoing HTTP(S) request and returns the response as the job's result.
//
// Payload: {"url": "https://…", "method": "GET|POST|PUT|PATCH|DELETE|HEAD" (default GET),
//           "headers": {"Name": "value", …}, "body": "text" or any JSON value (sent as
//           application/json unless a Content-Type header is given), "timeout_s": 0 < x ≤ 3600
//           (default 30), "max_response_bytes": 1 … 16 MiB (default 1 MiB)}.
// Trace:   the request carries the job's W3C traceparent (a new span) and tracestate, replacing
//           any that payload.headers name (core/trace_context.h).
// Result:  {"status": 200, "headers": {"content-type": "…", …}, "body": "<text, at most
//           max_response_bytes, invalid UTF-8 replaced by U+FFFD>", "truncated": false}.
// Errors:  5xx, 408 and 429 responses, timeouts and connection errors are retried with backoff;
//          any other status (4xx included) is a success carrying that status — the caller
//          decides. URL-policy refusals and bad payloads fail the job permanently.
//
// Stateless apart from the policy, which is fixed at construction: thread-safe.
#pragma once

#include <cstddef>
#include <utility>

#include "handlers/handler.h"
#include "outbound/url_policy.h"

namespace conveyor {

inline constexpr double kMaxHttpTimeoutSeconds = 3600;
inline constexpr size_t kMaxHttpResponseBytes = 16 << 20;

class HttpRequestHandler final : public Handler {
 public:
  // `conveyor serve` passes the node's outbound policy (private destinations refused when it
  // listens beyond loopback); the permissive default is for tests and embedders. Metadata and
  // link-local addresses are refused by every policy.
  explicit HttpRequestHandler(UrlPolicy policy = UrlPolicy{.allow_private = true})
      : policy_(std::move(policy)) {}

  std::string_view type() const override { return "http.request"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;

 private:
  UrlPolicy policy_;
};

}  // namespace conveyor
