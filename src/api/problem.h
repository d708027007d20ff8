// Problem: the one place where an error becomes HTTP — its status code, its problem type slug
// and title, and the application/problem+json body (RFC 9457). Handlers never pick a status code
// for an error themselves: they produce an ApiError (from a Status via ErrorFromStatus, or
// directly for HTTP-level faults such as a malformed id) and call WriteProblem. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/response.h"
#include "core/status.h"

namespace conveyor::api {

// Distinct kinds where one Status code maps to several HTTP answers (InvalidArgument is 422 for
// a bad field but 400 for a body that is not JSON at all or an id that is not a UUID).
enum class ErrorKind {
  kMalformed,             // 400: unparsable HTTP or JSON, id or cursor not a UUID
  kUnauthorized,          // 401: a missing or wrong signature or credential
  kForbidden,             // 403: a valid credential without the right to this
  kNotFound,              // 404: unknown job
  kRouteNotFound,         // 404: unknown path
  kMethodNotAllowed,      // 405
  kConflict,              // 409: idempotency key reuse, job state forbids the operation
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kInvalidField,          // 422
  kRateLimited,           // 429
  kHeadersTooLarge,       // 431
  kInternal,              // 500: a bug or a store fault, never bad input
  kUnavailable,           // 503: store down, server shutting down
  kInsufficientStorage,   // 507: the store's disk is full
};

struct ApiError {
  ErrorKind kind;
  std::string detail;  // a sentence the client can act on
};

struct ProblemType {
  unsigned status;
  std::string_view slug;   // https://conveyor.dev/problems/<slug>
  std::string_view title;  // short, the same for every problem of this kind
};

ProblemType Describe(ErrorKind kind);

// Status codes from the runtime and store, mapped to the wire.
ApiError ErrorFromStatus(const Status& status);

// Fills `out` with the problem+json response for `error`; `instance` is the request path.
// `allow` (for 405) must outlive the response.
void WriteProblem(const ApiError& error, std::string_view instance, Response* out,
                  std::string_view allow = {});

}  // namespace conveyor::api
