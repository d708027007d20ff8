// The gate every request passes before its route runs when authentication is on: the route's
// Access rule (router.h) against the key in `Authorization: Bearer <key>` (runtime/auth), or,
// without that header, the dashboard's session cookie (runtime/auth/sessions.h). A missing,
// malformed, unknown, expired or revoked key or session is a 401 with WWW-Authenticate; a valid
// one without the scope the route needs is a 403 naming that scope; a cookie-authenticated
// request that changes something without its X-CSRF-Token is a 403. The key's text is never
// logged or echoed. Pure given the KeyRing; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "api/problem.h"
#include "api/router.h"
#include "api/response.h"
#include "runtime/auth/key_limiter.h"
#include "runtime/auth/key_ring.h"
#include "runtime/auth/sessions.h"

namespace conveyor::api {

struct AuthSettings {
  const auth::KeyRing* keys = nullptr;  // null: authentication off (a loopback-only dev server)
  bool metrics_open = false;            // --metrics-open: /metrics without a key
  bool receiver_signed = false;         // /webhook-receiver checks signatures: open to POSTs
  auth::KeyLimiter* limiter = nullptr;  // per-key rate limits; null: none
  // Dashboard sessions (with keys): the signer, and the admin user's principal (admin scope)
  // when --admin-user is set.
  const auth::SessionSigner* sessions = nullptr;
  std::shared_ptr<const auth::Principal> admin_user;
};

inline constexpr std::string_view kSessionCookie = "conveyor_session";

// What of a request can prove who sent it.
struct Credentials {
  std::string_view authorization;  // the Authorization header
  std::string_view cookie;         // the Cookie header
  std::string_view csrf_token;     // the X-CSRF-Token header
  bool changes_state = false;      // POST, PUT, PATCH, DELETE
};

// The value of the session cookie in a Cookie header; empty when absent.
std::string_view SessionCookie(std::string_view cookie_header);

// The principal a session subject ("k-<key id>" | "u-<user>") stands for now; null when the key
// was revoked or expired since, or the user is not (or no longer) the configured one.
std::shared_ptr<const auth::Principal> SessionPrincipal(const AuthSettings& settings,
                                                        std::string_view subject);

// nullopt: the request may go on (`principal` is set when a key or session verified). Otherwise
// the error to answer with.
std::optional<ApiError> Authorize(const AuthSettings& settings, Access access,
                                  const Credentials& credentials,
                                  std::shared_ptr<const auth::Principal>* principal);

// Charges `n` of the key's `kind` limit (requests: 1 per request, in the session; jobs: the
// number submitted, in the submit routes). Writes the RateLimit headers of the IETF draft on
// `out` when the key has such a limit; when the window is spent, also Retry-After, and returns
// the 429 to answer with.
std::optional<ApiError> ChargeKey(auth::KeyLimiter* limiter, const auth::Principal* key,
                                  ApiKeyUsageKind kind, int64_t n, Response* out);

}  // namespace conveyor::api
