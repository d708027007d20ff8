// PerformHttpRequest: one outgoing HTTP(S) request under the URL policy, blocking the calling
// thread: for the job types that call out (http.request, document.pipeline's delivery, a CSV
// input read from a URL). Many requests at once without a thread each: ConcurrentHttpSender
// (concurrent_http_sender.h). Like every outbound/ header a caller includes, this one keeps curl
// out: outbound/ is the only folder that includes curl (scripts/check_layers.py).
//
// Security: the URL is checked with CheckWebhookUrl first, then every address libcurl is about to
// connect to is checked with CheckResolvedAddress (CURLOPT_OPENSOCKETFUNCTION), so a name that
// resolves — or re-resolves — to a refused address is refused at connect time. Only http and
// https; redirects are not followed (a 3xx is returned as it is); proxies from the environment
// are ignored, since a proxy would connect on our behalf to an address we never saw.
//
// Thread-safety: PerformHttpRequest may be called from many threads at once; each call uses its
// own curl handles. `cancelled` is called from the calling thread only, about every 50 ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "outbound/url_policy.h"

namespace conveyor {

struct HttpRequestSpec {
  std::string method = "GET";  // upper-case letters; HEAD asks for no body
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                     // sent when non-empty (always for POST)
  int timeout_ms = 30000;               // whole transfer: connect, send, receive
  size_t max_response_bytes = 1 << 20;  // body beyond this is dropped and `truncated` set
  // Streaming: when set, the body goes to this sink chunk by chunk instead of into `body`, and
  // max_response_bytes does not apply. `status` is the response's status code and
  // `content_length` its Content-Length (-1 if unknown). Returning false stops the transfer:
  // PerformHttpRequest then returns the response so far with `truncated` set.
  std::function<bool(std::string_view chunk, long status, int64_t content_length)> on_body;
};

struct HttpResponseData {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // final response, in order; first 200
  std::string body;
  bool truncated = false;
};

// The response, whatever its status code. Errors:
//   InvalidArgument     the URL, method or a header is malformed (permanent)
//   FailedPrecondition  the policy refused the URL or the address connected to (permanent)
//   DeadlineExceeded    timeout_ms passed
//   Unavailable         could not resolve, connect, or the connection broke (worth retrying)
//   Cancelled           cancelled() returned true
Result<HttpResponseData> PerformHttpRequest(const HttpRequestSpec& spec, const UrlPolicy& policy,
                                            const std::function<bool()>& cancelled);

// OK if name is an HTTP token and value holds no CR, LF or NUL (no header injection);
// InvalidArgument naming the header otherwise.
Status CheckHttpHeader(std::string_view name, std::string_view value);

}  // namespace conveyor
