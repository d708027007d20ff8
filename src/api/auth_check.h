// The gate every request passes before its route runs when authentication is on: the route's
// Access rule (router.h) against the key in `Authorization: Bearer <key>` (runtime/auth). A
// missing, malformed, unknown, expired or revoked key is a 401 with WWW-Authenticate; a valid key
// without the scope the route needs is a 403 naming that scope. The key's text is never logged
// or echoed. Pure given the KeyRing; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "api/problem.h"
#include "api/router.h"
#include "api/response.h"
#include "runtime/auth/key_limiter.h"
#include "runtime/auth/key_ring.h"

namespace conveyor::api {

struct AuthSettings {
  const auth::KeyRing* keys = nullptr;  // null: authentication off (a loopback-only dev server)
  bool metrics_open = false;            // --metrics-open: /metrics without a key
  bool receiver_signed = false;         // /webhook-receiver checks signatures: open to POSTs
  auth::KeyLimiter* limiter = nullptr;  // per-key rate limits; null: none
};

// nullopt: the request may go on (`principal` is set when a key verified). Otherwise the error
// to answer with.
std::optional<ApiError> Authorize(const AuthSettings& settings, Access access,
                                  std::string_view authorization,
                                  std::shared_ptr<const auth::Principal>* principal);

// Charges `n` of the key's `kind` limit (requests: 1 per request, in the session; jobs: the
// number submitted, in the submit routes). Writes the RateLimit headers of the IETF draft on
// `out` when the key has such a limit; when the window is spent, also Retry-After, and returns
// the 429 to answer with.
std::optional<ApiError> ChargeKey(auth::KeyLimiter* limiter, const auth::Principal* key,
                                  ApiKeyUsageKind kind, int64_t n, Response* out);

}  // namespace conveyor::api
