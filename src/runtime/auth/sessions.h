// Sessions for the dashboard (docs/security.md, "Dashboard login"): after a login with an API
// key or the admin user's password, the browser holds a session cookie instead of the key. A
// session token is stateless — "<subject>.<expires ms>.<HMAC-SHA256 hex>" — signed with the
// node's session secret (--session-secret-file; several nodes behind one address share it),
// so any node checks it without a store read. The subject is "k-<key id>" (the key is checked
// again on every request, so revoking it ends its sessions within a second) or "u-<user>".
//
// Cookie-authenticated requests that change something also carry the session's CSRF token
// (X-CSRF-Token: an HMAC of the session token, handed out at login and by GET /session): a page
// of another site can make the browser send the cookie (SameSite=Strict already stops most),
// but cannot read the token. Thread-safe (immutable after construction).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace conveyor::auth {

inline constexpr TimeMs kSessionLifetimeMs = 8 * 3600 * 1000;  // a working day
inline constexpr size_t kMinSessionSecretBytes = 32;

struct Session {
  std::string subject;  // "k-<key id>" | "u-<user>"
  TimeMs expires_at = 0;
};

class SessionSigner {
 public:
  // `secret`: at least kMinSessionSecretBytes bytes (the caller checks).
  explicit SessionSigner(std::string secret);
  // A signer with a fresh random secret (sessions end when the process does); nullopt when the
  // random generator fails.
  static std::optional<SessionSigner> Random();

  std::string Issue(std::string_view subject, TimeMs expires_at) const;
  // nullopt for a token that is malformed, not signed by this secret, or expired at `now`.
  std::optional<Session> Verify(std::string_view token, TimeMs now) const;
  // The CSRF token of a session token.
  std::string CsrfToken(std::string_view token) const;

 private:
  std::string Mac(std::string_view domain, std::string_view text) const;

  std::string secret_;
};

}  // namespace conveyor::auth
