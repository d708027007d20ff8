// Response: what a route handler produces — status, content type, body and the few headers the
// API ever sets. The session turns it into bytes (SerializeResponseHead) and reuses one Response
// per connection, so a keep-alive connection does not reallocate its body buffer per request.
// Value type; not shared between threads.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace conveyor::api {

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kProblemType = "application/problem+json";
inline constexpr std::string_view kEventStreamType = "text/event-stream";

class StreamingBody;  // api/streaming_body.h

struct Response {
  unsigned status = 200;
  std::string_view content_type = kJsonType;  // always a static string
  std::string body;
  std::string location;      // Location header when non-empty
  std::string content_disposition;  // Content-Disposition header when non-empty (artifacts)
  std::string idempotency_key;  // Idempotency-Key header when non-empty: the key a submit used
  std::string traceparent;  // traceparent header when non-empty: a submit's trace (W3C)
  std::string_view allow;    // Allow header when non-empty (405); points into the router
  bool retry_after = false;  // Retry-After: 1 (503, 429)
  uint32_t retry_after_s = 0;     // Retry-After: N seconds (wins over retry_after when set)
  std::string ratelimit_policy;   // RateLimit-Policy / RateLimit (IETF draft) for a limited key
  std::string ratelimit;
  bool www_authenticate = false;  // WWW-Authenticate: Bearer (401 for a missing or bad key)
  std::string set_cookie;  // Set-Cookie when non-empty (the dashboard's session: login, logout)
  // CORS (api/cors.h), set by the session: Access-Control-Allow-Origin when non-empty (points
  // into the server's configured origins), Vary: Origin, and a preflight's own headers (its
  // Allow-Methods are `allow`).
  std::string_view cors_origin;
  bool cors_vary = false;
  bool cors_preflight = false;
  // When set, the body is this open file's first `file_size` bytes instead of `body`: the
  // session sends it in chunks, so a large artifact is never held in memory at once.
  std::shared_ptr<std::FILE> file;
  uint64_t file_size = 0;
  // When non-empty (and no file), the body is these bytes instead of `body`: data built into
  // the binary (api/web_assets.h), sent without a copy.
  std::string_view static_body;
  std::string_view etag;           // ETag header when non-empty (static data only)
  std::string_view cache_control;  // Cache-Control header when non-empty
  // Content-Security-Policy when non-empty (the dashboard's pages: a static string), sent with
  // X-Content-Type-Options: nosniff.
  std::string_view content_security_policy;
  // When set, the body is written as it comes (no Content-Length, Cache-Control: no-cache,
  // Connection: close) and `body` is not sent: Server-Sent Events (api/streaming_body.h).
  std::shared_ptr<StreamingBody> streaming;

  // Keeps the body's capacity for the next request on the connection.
  void Reset() {
    status = 200;
    content_type = kJsonType;
    body.clear();
    location.clear();
    content_disposition.clear();
    idempotency_key.clear();
    traceparent.clear();
    allow = {};
    retry_after = false;
    retry_after_s = 0;
    ratelimit_policy.clear();
    ratelimit.clear();
    www_authenticate = false;
    set_cookie.clear();
    cors_origin = {};
    cors_vary = false;
    cors_preflight = false;
    file.reset();
    file_size = 0;
    static_body = {};
    etag = {};
    cache_control = {};
    content_security_policy = {};
    streaming.reset();
  }

  // What follows the head: `static_body` when set, else `body` (a file is sent after it).
  std::string_view Body() const { return static_body.empty() ? std::string_view(body) : static_body; }
};

// Appends the status line and headers, up to and including the blank line, to `out`.
// `keep_alive` decides the Connection header; HTTP/1.0 clients get an explicit keep-alive.
void SerializeResponseHead(const Response& response, unsigned http_version, bool keep_alive,
                           std::string_view correlation_id, std::string* out);

}  // namespace conveyor::api
