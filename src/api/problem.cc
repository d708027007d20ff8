#include "api/problem.h"

#include "api/json_writer.h"

namespace conveyor::api {

ProblemType Describe(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kMalformed:
      return {400, "malformed-request", "Malformed request"};
    case ErrorKind::kUnauthorized:
      return {401, "unauthorized", "Unauthorized"};
    case ErrorKind::kForbidden:
      return {403, "forbidden", "Forbidden"};
    case ErrorKind::kNotFound:
      return {404, "job-not-found", "Job not found"};
    case ErrorKind::kRouteNotFound:
      return {404, "route-not-found", "Route not found"};
    case ErrorKind::kMethodNotAllowed:
      return {405, "method-not-allowed", "Method not allowed"};
    case ErrorKind::kConflict:
      return {409, "conflict", "Conflict"};
    case ErrorKind::kPayloadTooLarge:
      return {413, "payload-too-large", "Payload too large"};
    case ErrorKind::kUnsupportedMediaType:
      return {415, "unsupported-media-type", "Unsupported media type"};
    case ErrorKind::kInvalidField:
      return {422, "invalid-field", "Invalid field"};
    case ErrorKind::kRateLimited:
      return {429, "rate-limited", "Too many requests"};
    case ErrorKind::kHeadersTooLarge:
      return {431, "headers-too-large", "Request header fields too large"};
    case ErrorKind::kInternal:
      return {500, "internal-error", "Internal server error"};
    case ErrorKind::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
    case ErrorKind::kInsufficientStorage:
      return {507, "insufficient-storage", "Insufficient storage"};
  }
  return {500, "internal-error", "Internal server error"};
}

ApiError ErrorFromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return {ErrorKind::kInvalidField, status.message()};
    case StatusCode::kNotFound:
      return {ErrorKind::kNotFound, status.message()};
    case StatusCode::kConflict:
    case StatusCode::kFailedPrecondition:
      return {ErrorKind::kConflict, status.message()};
    case StatusCode::kResourceExhausted:
      return {ErrorKind::kRateLimited, status.message()};
    // The server is shutting down or the store is overloaded: the client should come back.
    case StatusCode::kCancelled:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kUnavailable:
      return {ErrorKind::kUnavailable, status.message()};
    case StatusCode::kInsufficientStorage:
      return {ErrorKind::kInsufficientStorage, status.message()};
    case StatusCode::kOk:  // a caller bug: an OK status is not an error
    case StatusCode::kInternal:
      break;
  }
  return {ErrorKind::kInternal, status.message().empty() ? "internal error" : status.message()};
}

void WriteProblem(const ApiError& error, std::string_view instance, Response* out,
                  std::string_view allow) {
  const ProblemType type = Describe(error.kind);
  out->status = type.status;
  out->content_type = kProblemType;
  out->allow = allow;
  // 507 too: writes succeed again once the operator frees space, which the client cannot see.
  out->retry_after = type.status == 503 || type.status == 429 || type.status == 507;
  out->location.clear();
  out->body.clear();
  std::string type_uri = "https://conveyor.dev/problems/";
  type_uri.append(type.slug);
  JsonWriter w(&out->body);
  w.BeginObject()
      .Key("type")
      .String(type_uri)
      .Key("title")
      .String(type.title)
      .Key("status")
      .Int(type.status)
      .Key("detail")
      .String(error.detail)
      .Key("instance")
      .String(instance)
      .EndObject();
}

}  // namespace conveyor::api
