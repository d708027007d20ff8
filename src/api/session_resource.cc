#include "api/session_resource.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <string>

#include "api/auth_check.h"
#include "api/json_writer.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "api/worker_routes_body.h"
#include "runtime/auth/password_hash.h"

namespace conveyor::api {

std::optional<ApiError> LoginGuard::Admit(TimeMs now, uint32_t* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now >= failure_window_ + kFailureWindowMs) {  // a window opens with its first check
    failure_window_ = now;
    failures_ = 0;
  }
  if (failures_ >= kMaxFailures) {
    *retry_after_s = static_cast<uint32_t>((failure_window_ + kFailureWindowMs - now + 999) / 1000);
    return ApiError{ErrorKind::kRateLimited,
                    "too many wrong passwords: password logins pause until " +
                        std::to_string(*retry_after_s) + " s from now (API keys still work)"};
  }
  const TimeMs second = now - now % 1000;
  if (second != second_) {
    second_ = second;
    checks_ = 0;
  }
  if (checks_ >= kChecksPerSecond) {
    *retry_after_s = 1;
    return ApiError{ErrorKind::kRateLimited, "too many logins at once; try again in a second"};
  }
  ++checks_;
  return std::nullopt;
}

void LoginGuard::Failed(TimeMs now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now < failure_window_ + kFailureWindowMs) ++failures_;
}

namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

ApiError Invalid(std::string detail) { return {ErrorKind::kInvalidField, std::move(detail)}; }

bool AuthOn(RequestContext& ctx) {
  if (ctx.auth != nullptr && ctx.auth->keys != nullptr && ctx.auth->sessions != nullptr) {
    return true;
  }
  ctx.Fail({ErrorKind::kConflict,
            "this server runs without authentication (a loopback-only development server): "
            "no login is needed"});
  return false;
}

void WriteWho(RequestContext& ctx, const auth::Principal& who, const std::string* session,
              std::optional<TimeMs> expires_at) {
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("authentication").Bool(true).Key("subject").String(who.name);
  w.Key("scopes").BeginArray();
  const std::string scopes = auth::ScopeList(who.scopes);
  for (std::string_view rest = scopes; !rest.empty();) {
    const size_t comma = rest.find(',');
    w.String(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  w.EndArray();
  w.Key("tenant").OptString(who.tenant.empty() ? std::nullopt : std::optional(who.tenant));
  w.Key("csrf_token").OptString(session ? std::optional(ctx.auth->sessions->CsrfToken(*session))
                                        : std::nullopt);
  w.Key("expires_at").OptTime(expires_at).EndObject();
}

// Opens the session: the cookie, and the answer that carries its CSRF token.
void Open(RequestContext& ctx, const auth::Principal& who, const std::string& subject) {
  const TimeMs expires_at = ctx.auth->keys->Now() + auth::kSessionLifetimeMs;
  const std::string token = ctx.auth->sessions->Issue(subject, expires_at);
  ctx.response.set_cookie = std::string(kSessionCookie) + "=" + token +
                            "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                            std::to_string(auth::kSessionLifetimeMs / 1000) +
                            (ctx.login->secure_cookie() ? "; Secure" : "");
  WriteWho(ctx, who, &token, expires_at);
}

awaitable<void> Login(RequestContext& ctx) {
  if (!AuthOn(ctx) || !RequireJsonBody(ctx)) co_return;
  boost::system::error_code ec;
  const json::value root = json::parse(ctx.request.body(), ec);
  const json::object* o = ec ? nullptr : root.if_object();
  auto text = [o](std::string_view key) -> std::optional<std::string> {
    const json::value* v = o ? o->if_contains(key) : nullptr;
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  };
  const std::optional<std::string> key = text("api_key");
  const std::optional<std::string> user = text("user");
  const std::optional<std::string> password = text("password");
  if (key && !user && !password) {
    auth::KeyRing::Verdict verdict = ctx.auth->keys->Verify(*key);
    if (verdict.outcome != auth::KeyRing::Outcome::kOk) {
      co_return ctx.Fail({ErrorKind::kUnauthorized,
                          "the API key is not valid, or was revoked or has expired"});
    }
    co_return Open(ctx, *verdict.principal, "k-" + verdict.principal->key_id);
  }
  if (key || !user || !password) {
    co_return ctx.Fail(Invalid(R"(send {"api_key": "cvk_..."} or {"user": "...", "password": "..."})"));
  }
  LoginGuard& guard = *ctx.login;
  if (guard.admin_user().empty()) {
    co_return ctx.Fail({ErrorKind::kUnauthorized,
                        "this server has no dashboard user (--admin-user); log in with an API "
                        "key"});
  }
  if (auto limited = guard.Admit(ctx.auth->keys->Now(), &ctx.response.retry_after_s)) {
    co_return ctx.Fail(*limited);
  }
  const std::string& hash = guard.admin_password_hash();
  const bool ok = co_await AsyncStoreCall<bool>(
      ctx.leases, [&] { return auth::VerifyPassword(*password, hash) && *user == guard.admin_user(); },
      use_awaitable);
  if (!ok || !ctx.auth->admin_user) {
    guard.Failed(ctx.auth->keys->Now());
    ctx.response.retry_after_s = 0;
    co_return ctx.Fail({ErrorKind::kUnauthorized, "the user name or the password is wrong"});
  }
  co_return Open(ctx, *ctx.auth->admin_user, "u-" + guard.admin_user());
}

void Logout(RequestContext& ctx) {
  ctx.response.status = 204;
  ctx.response.set_cookie = std::string(kSessionCookie) +
                            "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
                            (ctx.login != nullptr && ctx.login->secure_cookie() ? "; Secure" : "");
}

void WhoAmI(RequestContext& ctx) {
  if (ctx.principal == nullptr) {  // authentication is off
    ctx.response.body = R"({"authentication":false})";
    return;
  }
  const std::string_view cookie = SessionCookie(
      std::string_view(ctx.request[boost::beast::http::field::cookie].data(),
                       ctx.request[boost::beast::http::field::cookie].size()));
  const bool by_cookie =
      ctx.request[boost::beast::http::field::authorization].empty() && !cookie.empty();
  const std::string session(cookie);
  std::optional<TimeMs> expires_at;
  if (by_cookie) {
    if (auto s = ctx.auth->sessions->Verify(session, ctx.auth->keys->Now())) expires_at = s->expires_at;
  }
  WriteWho(ctx, *ctx.principal, by_cookie ? &session : nullptr, expires_at);
}

}  // namespace

void RegisterSessionRoutes(Router& router) {
  using boost::beast::http::verb;
  router.Add(verb::post, "/login", {.async = &Login, .access = Access::kPublic});
  router.Add(verb::post, "/logout", {.sync = &Logout, .access = Access::kPublic});
  router.Add(verb::get, "/session", {.sync = &WhoAmI, .access = Access::kSignedIn});
}

}  // namespace conveyor::api
