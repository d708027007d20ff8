#include "api/response.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ostream>  // Boost 1.81 core/string_view.hpp uses std::ostream without including it

namespace conveyor::api {
namespace {

void AppendHeader(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

void AppendNumber(std::string* out, size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;  // 24 characters always hold a size_t
  out->append(buf, end);
}

// What a page from an allowed origin may send (the headers the API reads) and read.
constexpr std::string_view kCorsRequestHeaders =
    "Authorization, Content-Type, Idempotency-Key, X-Correlation-Id, Conveyor-Dialect, "
    "traceparent, tracestate";
constexpr std::string_view kCorsExposedHeaders =
    "X-Correlation-Id, Location, Idempotency-Key, Retry-After, traceparent";
constexpr std::string_view kCorsMaxAgeSeconds = "600";

void AppendCorsHeaders(const Response& r, std::string* out) {
  if (r.cors_vary) AppendHeader(out, "Vary", "Origin");
  if (r.cors_origin.empty()) return;
  AppendHeader(out, "Access-Control-Allow-Origin", r.cors_origin);
  if (!r.cors_preflight) {
    AppendHeader(out, "Access-Control-Expose-Headers", kCorsExposedHeaders);
    return;
  }
  AppendHeader(out, "Access-Control-Allow-Methods", r.allow);
  AppendHeader(out, "Access-Control-Allow-Headers", kCorsRequestHeaders);
  AppendHeader(out, "Access-Control-Max-Age", kCorsMaxAgeSeconds);
}

}  // namespace

void SerializeResponseHead(const Response& r, unsigned http_version, bool keep_alive,
                           std::string_view correlation_id, std::string* out) {
  // Written by hand rather than through beast::http::response: the API sets a handful of
  // headers, and building the head in a reused string avoids one allocation per header field.
  out->append("HTTP/1.1 ");
  AppendNumber(out, r.status);
  out->push_back(' ');
  const auto reason =
      boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(r.status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  AppendHeader(out, "Content-Type", r.content_type);
  if (r.streaming) {
    AppendHeader(out, "Cache-Control", "no-cache");
  } else {
    out->append("Content-Length: ");
    AppendNumber(out, r.file ? r.file_size : r.Body().size());
    out->append("\r\n");
  }
  if (!correlation_id.empty()) AppendHeader(out, "X-Correlation-Id", correlation_id);
  if (!r.location.empty()) AppendHeader(out, "Location", r.location);
  if (!r.set_cookie.empty()) AppendHeader(out, "Set-Cookie", r.set_cookie);
  if (!r.idempotency_key.empty()) AppendHeader(out, "Idempotency-Key", r.idempotency_key);
  if (!r.traceparent.empty()) AppendHeader(out, "traceparent", r.traceparent);
  if (!r.content_disposition.empty())
    AppendHeader(out, "Content-Disposition", r.content_disposition);
  if (!r.allow.empty()) AppendHeader(out, "Allow", r.allow);
  if (!r.etag.empty()) AppendHeader(out, "ETag", r.etag);
  if (!r.cache_control.empty()) AppendHeader(out, "Cache-Control", r.cache_control);
  if (!r.content_security_policy.empty()) {
    AppendHeader(out, "Content-Security-Policy", r.content_security_policy);
    AppendHeader(out, "X-Content-Type-Options", "nosniff");
  }
  if (r.retry_after_s > 0) {
    AppendHeader(out, "Retry-After", std::to_string(r.retry_after_s));
  } else if (r.retry_after) {
    AppendHeader(out, "Retry-After", "1");
  }
  if (!r.ratelimit.empty()) {
    AppendHeader(out, "RateLimit-Policy", r.ratelimit_policy);
    AppendHeader(out, "RateLimit", r.ratelimit);
  }
  if (r.www_authenticate) AppendHeader(out, "WWW-Authenticate", R"(Bearer realm="conveyor")");
  if (r.cors_vary || !r.cors_origin.empty()) AppendCorsHeaders(r, out);
  if (!keep_alive) {
    AppendHeader(out, "Connection", "close");
  } else if (http_version < 11) {
    AppendHeader(out, "Connection", "keep-alive");
  }
  out->append("\r\n");
}

}  // namespace conveyor::api
