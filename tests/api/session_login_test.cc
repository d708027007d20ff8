// The dashboard's login over the real server (api/session_resource.h, runtime/auth/sessions.h):
// a login with an API key or the admin user's password sets an HttpOnly, SameSite=Strict
// session cookie; the cookie then stands for the key (its scopes, its tenant) until it expires,
// the key is revoked, or it is tampered with; anything that changes state with a cookie needs the
// session's X-CSRF-Token; wrong passwords are bounded; logout clears the cookie.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/session_resource.h"
#include "api_fixture.h"
#include "runtime/auth/password_hash.h"

namespace conveyor::api::testing {
namespace {

using boost::beast::http::verb;

constexpr const char* kPassword = "correct horse battery";

class SessionLoginTest : public ApiFixture {
 protected:
  void ConfigureServer(ServerConfig& c) override {
    c.auth_required = true;
    c.admin_user = "ops";
    c.admin_password_hash = *auth::HashPassword(kPassword);
    c.session_secret = std::string(32, 's');
  }

  std::string Key(const std::string& name, const std::string& scopes) {
    auto created = keys_->Create({.name = name, .scopes = scopes});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->key : "";
  }

  // The cookie pair ("conveyor_session=...") a login answer set, and its CSRF token.
  struct Login {
    Reply reply;
    std::string cookie;
    std::string csrf;
  };
  Login LogIn(const std::string& body) {
    Login l{.reply = client().Post("/api/v1/login", body)};
    const std::string set = l.reply.Header("Set-Cookie");
    l.cookie = set.substr(0, set.find(';'));
    if (l.reply.status == 200) l.csrf = std::string(l.reply.Json().at("csrf_token").as_string());
    return l;
  }
};

TEST_F(SessionLoginTest, AKeysSessionCookieActsAsTheKeyAndChangesNeedTheCsrfToken) {
  const std::string key = Key("dash", "jobs:submit,jobs:read");
  const Login login = LogIn(R"({"api_key":")" + key + R"("})");
  ASSERT_EQ(login.reply.status, 200u) << login.reply.body;
  const std::string set = login.reply.Header("Set-Cookie");
  for (const char* attribute : {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="}) {
    EXPECT_NE(set.find(attribute), std::string::npos) << set;
  }
  EXPECT_EQ(set.find(key), std::string::npos) << "the cookie must not carry the key";
  EXPECT_EQ(client().Get("/api/v1/jobs", {{"Cookie", login.cookie}}).status, 200u);
  EXPECT_EQ(client().Get("/api/v1/queues", {{"Cookie", login.cookie}}).status, 403u)
      << "a session holds its key's scopes, no more";
  const std::string job = R"({"type":"noop","payload":{}})";
  const Reply no_token = client().Post("/api/v1/jobs", job, {{"Cookie", login.cookie}});
  EXPECT_EQ(no_token.status, 403u) << no_token.body;
  EXPECT_NE(no_token.body.find("X-CSRF-Token"), std::string::npos) << no_token.body;
  EXPECT_EQ(client().Post("/api/v1/jobs", job,
                          {{"Cookie", login.cookie}, {"X-CSRF-Token", std::string(64, '0')}})
                .status,
            403u);
  EXPECT_EQ(client().Post("/api/v1/jobs", job,
                          {{"Cookie", login.cookie}, {"X-CSRF-Token", login.csrf}})
                .status,
            201u);
  const Reply who = client().Get("/api/v1/session", {{"Cookie", login.cookie}});
  ASSERT_EQ(who.status, 200u) << who.body;
  EXPECT_EQ(who.Json().at("subject").as_string(), "dash");
  EXPECT_EQ(who.Json().at("csrf_token").as_string(), login.csrf);
  // Revoking the key ends its sessions at once on this node.
  ASSERT_TRUE(keys_->Revoke("dash").ok());
  EXPECT_EQ(client().Get("/api/v1/jobs", {{"Cookie", login.cookie}}).status, 401u);
}

TEST_F(SessionLoginTest, TheAdminUserLogsInWithItsPasswordAndATamperedCookieIsRefused) {
  const Login login = LogIn(R"({"user":"ops","password":")" + std::string(kPassword) + R"("})");
  ASSERT_EQ(login.reply.status, 200u) << login.reply.body;
  EXPECT_EQ(client().Get("/api/v1/queues", {{"Cookie", login.cookie}}).status, 200u);
  std::string tampered = login.cookie;
  tampered.replace(tampered.find("u-ops"), 5, "u-opz");
  EXPECT_EQ(client().Get("/api/v1/queues", {{"Cookie", tampered}}).status, 401u);
  const Reply wrong = client().Post("/api/v1/login", R"({"user":"ops","password":"guess"})");
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  EXPECT_EQ(wrong.Header("Set-Cookie"), "");
  EXPECT_EQ(client().Post("/api/v1/login", R"({"user":"root","password":"x"})").status, 401u);
  EXPECT_EQ(client().Post("/api/v1/login", R"({"user":"ops"})").status, 422u);
  const Reply out = client().Post("/api/v1/logout", "");
  EXPECT_EQ(out.status, 204u);
  EXPECT_NE(out.Header("Set-Cookie").find("Max-Age=0"), std::string::npos);
}

TEST_F(SessionLoginTest, WrongPasswordsAreBoundedAndKeysStillWork) {
  int limited = 0;
  for (int i = 0; i < LoginGuard::kMaxFailures + 3; ++i) {
    const Reply r = client().Post("/api/v1/login", R"({"user":"ops","password":"nope"})");
    if (r.status == 429) {
      ++limited;
      EXPECT_NE(r.Header("Retry-After"), "");
    } else {
      EXPECT_EQ(r.status, 401u) << r.body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // under 5 checks a second
  }
  EXPECT_GE(limited, 2) << "past " << LoginGuard::kMaxFailures << " failures, checks pause";
  const Reply right = client().Post(
      "/api/v1/login", R"({"user":"ops","password":")" + std::string(kPassword) + R"("})");
  EXPECT_EQ(right.status, 429u) << "even the right password waits: guessing must not go on";
  const std::string key = Key("still", "jobs:read");
  EXPECT_EQ(LogIn(R"({"api_key":")" + key + R"("})").reply.status, 200u);
}

class OpenServerSessionTest : public ApiFixture {};

TEST_F(OpenServerSessionTest, WithoutAuthenticationTheSessionSaysSoAndLoginIsNotNeeded) {
  const Reply who = client().Get("/api/v1/session");
  ASSERT_EQ(who.status, 200u);
  EXPECT_FALSE(who.Json().at("authentication").as_bool());
  EXPECT_EQ(client().Post("/api/v1/login", R"({"api_key":"x"})").status, 409u);
}

}  // namespace
}  // namespace conveyor::api::testing
