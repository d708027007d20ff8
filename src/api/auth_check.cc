#include "api/auth_check.h"

#include <string>

namespace conveyor::api {
namespace {

// The scope a route needs; nullopt: none (the route is open).
std::optional<auth::Scope> NeededScope(const AuthSettings& settings, Access access) {
  switch (access) {
    case Access::kPublic:
      return std::nullopt;
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

}  // namespace

std::optional<ApiError> Authorize(const AuthSettings& settings, Access access,
                                  std::string_view authorization,
                                  std::shared_ptr<const auth::Principal>* principal) {
  if (settings.keys == nullptr) return std::nullopt;
  const std::optional<auth::Scope> needed = NeededScope(settings, access);
  if (!needed) return std::nullopt;
  const std::string_view token = BearerToken(authorization);
  if (token.empty()) {
    return Unauthorized(
        "this route needs an API key: send \"Authorization: Bearer <key>\" (an admin creates "
        "keys with `conveyor keys create`)");
  }
  auth::KeyRing::Verdict verdict = settings.keys->Verify(token);
  switch (verdict.outcome) {
    case auth::KeyRing::Outcome::kOk:
      break;
    case auth::KeyRing::Outcome::kExpired:
      return Unauthorized("this API key has expired; ask an admin for a new one");
    case auth::KeyRing::Outcome::kRevoked:
      return Unauthorized("this API key was revoked; ask an admin for a new one");
    case auth::KeyRing::Outcome::kMalformed:
    case auth::KeyRing::Outcome::kUnknown:
      return Unauthorized("the API key is not valid (keys look like cvk_<16 hex>_<64 hex>)");
  }
  if (!auth::Holds(verdict.principal->scopes, *needed)) {
    return ApiError{ErrorKind::kForbidden,
                    "this API key lacks the " + std::string(auth::ScopeName(*needed)) +
                        " scope this route needs (it has " +
                        auth::ScopeList(verdict.principal->scopes) + ")"};
  }
  *principal = std::move(verdict.principal);
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
