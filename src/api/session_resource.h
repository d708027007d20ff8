// Session resource: the dashboard's login (docs/security.md, "Dashboard login"). A browser logs
// in once — with an API key, or with the admin user's name and password — and then holds an
// HttpOnly, SameSite=Strict session cookie instead of the key (runtime/auth/sessions.h).
//   POST /login    {"api_key": K} | {"user": U, "password": P} → 200 {subject, scopes, tenant,
//                  csrf_token, expires_at} and Set-Cookie; 401 when wrong; 429 past the limit
//   POST /logout   → 204, the cookie cleared
//   GET  /session  → who is signed in (and, with a cookie, the CSRF token again); with
//                  authentication off, {"authentication": false}
// Password checks (scrypt, ~32 MiB, tens of ms) run on ExternalLeases' helper threads, never on
// an I/O thread, and LoginGuard bounds them. Safe on any io thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "api/problem.h"
#include "api/router.h"
#include "core/clock.h"

namespace conveyor::api {

// Bounds password guessing on one node: at most kChecksPerSecond password checks a second (each
// costs a core tens of ms), and after kMaxFailures wrong passwords in a window of
// kFailureWindowMs (from the first check) no check at all until the window ends (API keys still
// work meanwhile).
class LoginGuard {
 public:
  static constexpr int kChecksPerSecond = 5;
  static constexpr int kMaxFailures = 10;
  static constexpr TimeMs kFailureWindowMs = 10 * 60 * 1000;

  LoginGuard(std::string admin_user, std::string admin_password_hash, bool secure_cookie)
      : admin_user_(std::move(admin_user)),
        admin_password_hash_(std::move(admin_password_hash)),
        secure_cookie_(secure_cookie) {}

  const std::string& admin_user() const { return admin_user_; }
  const std::string& admin_password_hash() const { return admin_password_hash_; }
  bool secure_cookie() const { return secure_cookie_; }  // the listener speaks TLS

  // nullopt: a password check may run now. Otherwise the 429 to answer with.
  std::optional<ApiError> Admit(TimeMs now, uint32_t* retry_after_s);
  void Failed(TimeMs now);

 private:
  const std::string admin_user_;           // empty: no user login
  const std::string admin_password_hash_;  // runtime/auth/password_hash.h
  const bool secure_cookie_;
  std::mutex mu_;
  TimeMs second_ = 0;        // REQUIRES: mu_ held
  int checks_ = 0;           // REQUIRES: mu_ held; in `second_`
  TimeMs failure_window_ = -kFailureWindowMs;  // REQUIRES: mu_ held; when it opened
  int failures_ = 0;         // REQUIRES: mu_ held; in `failure_window_`
};

void RegisterSessionRoutes(Router& router);

}  // namespace conveyor::api
