#include "api/auth_check.h"

#include <string>

#include "runtime/auth/api_key.h"

namespace conveyor::api {
namespace {

// The scope a route needs; nullopt: none (the route is open).
std::optional<auth::Scope> NeededScope(const AuthSettings& settings, Access access) {
  switch (access) {
    case Access::kPublic:
      return std::nullopt;
    case Access::kSignedIn:
      return auth::Scope{};  // any valid key or session
    case Access::kMetrics:
      if (settings.metrics_open) return std::nullopt;
      return auth::Scope::kAdmin;
    case Access::kWebhookReceiver:
      if (settings.receiver_signed) return std::nullopt;
      return auth::Scope::kAdmin;
    case Access::kJobsSubmit:
      return auth::Scope::kJobsSubmit;
    case Access::kJobsRead:
      return auth::Scope::kJobsRead;
    case Access::kJobsManage:
      return auth::Scope::kJobsManage;
    case Access::kWorkers:
      return auth::Scope::kWorkers;
    case Access::kUnset:  // refused by Router::Add; treated as the strictest
    case Access::kAdmin:
      return auth::Scope::kAdmin;
  }
  return auth::Scope::kAdmin;
}

// The key after "Bearer " (scheme case-insensitive); empty when there is none.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != kScheme[i]) return {};
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

ApiError Unauthorized(std::string detail) { return {ErrorKind::kUnauthorized, std::move(detail)}; }

// The principal of a Bearer key, or the 401 that says what is wrong with it.
std::optional<ApiError> KeyPrincipal(const AuthSettings& settings, std::string_view token,
                                     std::shared_ptr<const auth::Principal>* principal) {
  auth::KeyRing::Verdict verdict = settings.keys->Verify(token);
  switch (verdict.outcome) {
    case auth::KeyRing::Outcome::kOk:
      *principal = std::move(verdict.principal);
      return std::nullopt;
    case auth::KeyRing::Outcome::kExpired:
      return Unauthorized("this API key has expired; ask an admin for a new one");
    case auth::KeyRing::Outcome::kRevoked:
      return Unauthorized("this API key was revoked; ask an admin for a new one");
    case auth::KeyRing::Outcome::kMalformed:
    case auth::KeyRing::Outcome::kUnknown:
      break;
  }
  return Unauthorized("the API key is not valid (keys look like cvk_<16 hex>_<64 hex>)");
}

// The principal of a session cookie, or the 401/403 to answer with.
std::optional<ApiError> CookiePrincipal(const AuthSettings& settings, std::string_view token,
                                        const Credentials& credentials,
                                        std::shared_ptr<const auth::Principal>* principal) {
  const std::optional<auth::Session> session =
      settings.sessions->Verify(token, settings.keys->Now());
  if (session) *principal = SessionPrincipal(settings, session->subject);
  if (!*principal) {
    return Unauthorized("the session has ended (expired, logged out, or its key revoked); log in "
                        "again");
  }
  if (credentials.changes_state &&
      !auth::ConstantTimeEquals(credentials.csrf_token, settings.sessions->CsrfToken(token))) {
    principal->reset();
    return ApiError{ErrorKind::kForbidden,
                    "a request that changes something with a session cookie must carry the "
                    "session's X-CSRF-Token header (from the login answer or GET /api/v1/session)"};
  }
  return std::nullopt;
}

}  // namespace

std::string_view SessionCookie(std::string_view header) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > kSessionCookie.size() && pair.starts_with(kSessionCookie) &&
        pair[kSessionCookie.size()] == '=') {
      return pair.substr(kSessionCookie.size() + 1);
    }
  }
  return {};
}

std::shared_ptr<const auth::Principal> SessionPrincipal(const AuthSettings& settings,
                                                        std::string_view subject) {
  if (subject.starts_with("k-")) {
    auth::KeyRing::Verdict verdict = settings.keys->VerifyId(subject.substr(2));
    return verdict.outcome == auth::KeyRing::Outcome::kOk ? verdict.principal : nullptr;
  }
  if (subject.starts_with("u-") && settings.admin_user &&
      subject.substr(2) == settings.admin_user->name) {
    return settings.admin_user;
  }
  return nullptr;
}

std::optional<ApiError> Authorize(const AuthSettings& settings, Access access,
                                  const Credentials& credentials,
                                  std::shared_ptr<const auth::Principal>* principal) {
  if (settings.keys == nullptr) return std::nullopt;
  const std::optional<auth::Scope> needed = NeededScope(settings, access);
  if (!needed) return std::nullopt;
  const std::string_view token = BearerToken(credentials.authorization);
  const std::string_view session =
      token.empty() && settings.sessions ? SessionCookie(credentials.cookie) : std::string_view();
  std::optional<ApiError> denied;
  if (!token.empty()) {
    denied = KeyPrincipal(settings, token, principal);
  } else if (!session.empty()) {
    denied = CookiePrincipal(settings, session, credentials, principal);
  } else {
    return Unauthorized(
        "this route needs an API key: send \"Authorization: Bearer <key>\" (an admin creates "
        "keys with `conveyor keys create`)");
  }
  if (denied) return denied;
  if (*needed != auth::Scope{} && !auth::Holds((*principal)->scopes, *needed)) {
    const auth::ScopeSet held = (*principal)->scopes;
    principal->reset();
    return ApiError{ErrorKind::kForbidden,
                    "this API key lacks the " + std::string(auth::ScopeName(*needed)) +
                        " scope this route needs (it has " + auth::ScopeList(held) + ")"};
  }
  return std::nullopt;
}

std::optional<ApiError> ChargeKey(auth::KeyLimiter* limiter, const auth::Principal* key,
                                  ApiKeyUsageKind kind, int64_t n, Response* out) {
  if (limiter == nullptr || key == nullptr) return std::nullopt;
  const std::optional<auth::LimitVerdict> v = limiter->Charge(*key, kind, n);
  if (!v) return std::nullopt;
  const char* name = ApiKeyUsageKindName(kind);
  const TimeMs window_s = (v->limit.period_ms + 999) / 1000;
  const TimeMs reset_s = (v->reset_ms + 999) / 1000;
  out->ratelimit_policy = std::string("\"") + name + "\";q=" +
                          std::to_string(v->limit.max_starts) + ";w=" + std::to_string(window_s);
  out->ratelimit = std::string("\"") + name + "\";r=" + std::to_string(v->remaining) +
                   ";t=" + std::to_string(reset_s);
  if (v->allowed) return std::nullopt;
  out->retry_after_s = static_cast<uint32_t>(reset_s);
  std::string detail = "this API key is over its limit of " + std::to_string(v->limit.max_starts) +
                       " " + name + " per " + std::to_string(v->limit.period_ms) +
                       " ms; retry after " + std::to_string(reset_s) + " s";
  if (n > v->limit.max_starts) {
    detail = "this batch of " + std::to_string(n) + " jobs is larger than the key's limit of " +
             std::to_string(v->limit.max_starts) + " jobs per " +
             std::to_string(v->limit.period_ms) + " ms: split it";
  }
  return ApiError{ErrorKind::kRateLimited, std::move(detail)};
}

}  // namespace conveyor::api
