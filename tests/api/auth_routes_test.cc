// Authentication over every route the server has: a table of the expected access rule per
// route (a new route missing from it fails RouteTableIsComplete), then, for each route, a
// missing, malformed, unknown, expired and revoked key get 401 with WWW-Authenticate, a key
// without the route's scope 403, and a key with it passes the gate. Real server, real keys in a
// real SQLite store.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <tuple>

#include "api_fixture.h"
#include "runtime/auth/scopes.h"

namespace conveyor::api::testing {
namespace {

using boost::beast::http::verb;

struct Expected {
  verb method;
  const char* pattern;
  Access access;
};

// The rules of docs/security.md, route by route.
const Expected kRoutes[] = {
    {verb::get, "/health", Access::kPublic},
    {verb::get, "/ready", Access::kPublic},
    {verb::get, "/admin/stats", Access::kAdmin},
    {verb::get, "/metrics", Access::kMetrics},
    {verb::post, "/jobs/batch", Access::kJobsSubmit},
    {verb::post, "/jobs/bulk", Access::kJobsManage},
    {verb::get, "/stats/history", Access::kAdmin},
    {verb::post, "/jobs", Access::kJobsSubmit},
    {verb::get, "/jobs", Access::kJobsRead},
    {verb::get, "/jobs/{id}", Access::kJobsRead},
    {verb::delete_, "/jobs/{id}", Access::kJobsManage},
    {verb::get, "/jobs/{id}/status", Access::kJobsRead},
    {verb::get, "/jobs/{id}/result", Access::kJobsRead},
    {verb::get, "/jobs/{id}/events", Access::kJobsRead},
    {verb::get, "/events", Access::kJobsRead},
    {verb::post, "/jobs/{id}/retry", Access::kJobsManage},
    {verb::get, "/jobs/{id}/artifact", Access::kJobsRead},
    {verb::post, "/webhook-receiver", Access::kWebhookReceiver},
    {verb::get, "/webhook-receiver", Access::kAdmin},
    {verb::post, "/jobs/{id}/heartbeat", Access::kWorkers},
    {verb::post, "/jobs/{id}/complete", Access::kWorkers},
    {verb::post, "/jobs/{id}/fail", Access::kWorkers},
    {verb::post, "/completions", Access::kWorkers},
    {verb::post, "/leases", Access::kWorkers},
    {verb::get, "/nodes", Access::kAdmin},
    {verb::get, "/queues", Access::kAdmin},
    {verb::post, "/queues/{name}/pause", Access::kAdmin},
    {verb::post, "/queues/{name}/resume", Access::kAdmin},
    {verb::get, "/queues/{name}", Access::kAdmin},
    {verb::patch, "/queues/{name}", Access::kAdmin},
    {verb::get, "/rate-limits", Access::kAdmin},
    {verb::put, "/rate-limits/{type}", Access::kAdmin},
    {verb::delete_, "/rate-limits/{type}", Access::kAdmin},
    {verb::get, "/jobs/{id}/deliveries", Access::kJobsRead},
    {verb::post, "/jobs/{id}/deliveries/{n}/redeliver", Access::kJobsManage},
    {verb::post, "/schedules", Access::kAdmin},
    {verb::get, "/schedules", Access::kAdmin},
    {verb::get, "/schedules/{name}", Access::kAdmin},
    {verb::patch, "/schedules/{name}", Access::kAdmin},
    {verb::delete_, "/schedules/{name}", Access::kAdmin},
    {verb::post, "/schedules/{name}/run", Access::kAdmin},
    {verb::post, "/keys", Access::kAdmin},
    {verb::get, "/keys", Access::kAdmin},
    {verb::delete_, "/keys/{name}", Access::kAdmin},
    {verb::get, "/tenants", Access::kAdmin},
    {verb::put, "/tenants/{name}", Access::kAdmin},
    {verb::post, "/login", Access::kPublic},
    {verb::post, "/logout", Access::kPublic},
    {verb::get, "/session", Access::kSignedIn},
    {verb::get, "/openapi.json", Access::kPublic},
    {verb::get, "/docs", Access::kPublic},
    {verb::get, "/redoc", Access::kPublic},
    {verb::get, "/docs/assets/{name}", Access::kPublic},
    {verb::get, "/types", Access::kJobsRead},
    {verb::get, "/dashboard", Access::kPublic},
    {verb::get, "/dashboard/views/{name}", Access::kPublic},
    {verb::get, "/dashboard/assets/{name}", Access::kPublic},
    {verb::get, "/dashboard/{name}", Access::kPublic},
};

// The scope a route's rule needs on a server without --metrics-open or a receiver secret.
auth::Scope NeededScope(Access a) {
  switch (a) {
    case Access::kJobsSubmit: return auth::Scope::kJobsSubmit;
    case Access::kJobsRead: return auth::Scope::kJobsRead;
    case Access::kJobsManage: return auth::Scope::kJobsManage;
    case Access::kWorkers: return auth::Scope::kWorkers;
    default: return auth::Scope::kAdmin;
  }
}

// A concrete target for a pattern: ids that parse (a UUID), names that are names.
std::string Target(std::string pattern) {
  for (const auto& [param, value] :
       {std::pair<std::string, std::string>{"{id}", "0190a6b8-3b7c-7d2e-8f00-000000000001"},
        {"{name}", "q1"}, {"{type}", "noop"}, {"{n}", "1"}}) {
    if (const size_t at = pattern.find(param); at != std::string::npos) {
      pattern.replace(at, param.size(), value);
    }
  }
  return "/api/v1" + pattern;
}

std::vector<ApiKeyRow> MustList(Store& store) {
  Result<std::vector<ApiKeyRow>> rows = store.ApiKeyList();
  EXPECT_TRUE(rows.ok());
  return rows.ok() ? *rows : std::vector<ApiKeyRow>();
}

class AuthRoutesTest : public ApiFixture {
 protected:
  void ConfigureServer(ServerConfig& c) override { c.auth_required = true; }

  std::string MakeKey(const std::string& name, const std::string& scopes,
                      std::optional<std::string> expires_in = std::nullopt,
                      const std::string& job_types = "") {
    auto created = keys_->Create(
        {.name = name, .scopes = scopes, .job_types = job_types, .expires_in = expires_in});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->key : "";
  }

  // GET /events answers with a stream that does not end: only its head is read, on a
  // connection of its own that is closed after.
  Reply CallStream(const std::string& target, const std::string& key) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!key.empty()) request += "Authorization: Bearer " + key + "\r\n";
    asio::write(socket, asio::buffer(request + "\r\n"));
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    http::read_header(socket, buffer, parser);
    Reply r;
    r.status = parser.get().result_int();
    for (const auto& field : parser.get()) r.headers.insert(field.name_string(), field.value());
    return r;
  }

  Reply Call(const Expected& route, const std::string& key) {
    if (std::string_view(route.pattern) == "/events") return CallStream(Target(route.pattern), key);
    const bool bodyless = route.method == verb::get || route.method == verb::delete_;
    const std::string target = Target(route.pattern);
    if (key.empty()) return client().Send(route.method, target, bodyless ? "" : "{}");
    return client().Send(route.method, target, bodyless ? "" : "{}",
                         {{"Authorization", "Bearer " + key}});
  }

  static void ExpectProblem(const Reply& r, unsigned status, const Expected& route,
                            const char* what) {
    EXPECT_EQ(r.status, status) << what << " on " << route.pattern << ": " << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << route.pattern;
    if (status == 401) {
      EXPECT_NE(r.Header("WWW-Authenticate"), "") << route.pattern;
    }
  }
};

TEST_F(AuthRoutesTest, RouteTableIsComplete) {
  std::set<std::tuple<verb, std::string, Access>> served, expected;
  for (const Router::RouteInfo& r : server_->Routes()) served.insert({r.method, r.pattern, r.access});
  for (const Expected& e : kRoutes) expected.insert({e.method, e.pattern, e.access});
  EXPECT_EQ(served, expected) << "a route was added or its rule changed: add it to kRoutes with "
                                 "the access rule docs/security.md gives it";
}

TEST_F(AuthRoutesTest, EveryRouteRefusesMissingWrongExpiredRevokedAndUnderScopedKeys) {
  const std::string expired = MakeKey("expired", "admin", "1ms");
  const std::string revoked = MakeKey("revoked", "admin");
  ASSERT_TRUE(keys_->Revoke("revoked").ok());
  const std::string unknown = "cvk_0123456789abcdef_" + std::string(64, 'e');
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the 1 ms expiry
  int n = 0;
  for (const Expected& route : kRoutes) {
    SCOPED_TRACE(route.pattern);
    if (route.access == Access::kPublic) {
      const Reply open = Call(route, "");
      EXPECT_NE(open.status, 401u) << open.body;
      EXPECT_NE(open.status, 403u) << open.body;
      continue;
    }
    ExpectProblem(Call(route, ""), 401, route, "no key");
    ExpectProblem(Call(route, "not-a-key"), 401, route, "malformed key");
    ExpectProblem(Call(route, unknown), 401, route, "unknown key");
    ExpectProblem(Call(route, expired), 401, route, "expired key");
    ExpectProblem(Call(route, revoked), 401, route, "revoked key");
    const auth::Scope needed = NeededScope(route.access);
    const auth::ScopeSet others = 0x0f & ~static_cast<auth::ScopeSet>(needed);  // never admin
    if (route.access == Access::kSignedIn) {  // any valid key: the weakest one passes
      const Reply ok = Call(route, MakeKey("signed-in-" + std::to_string(n), "jobs:read"));
      EXPECT_EQ(ok.status, 200u) << ok.body;
    } else if (needed != auth::Scope::kAdmin) {
      ExpectProblem(Call(route, MakeKey("without-" + std::to_string(n), auth::ScopeList(others))),
                    403, route, "key without the scope");
    } else {
      ExpectProblem(Call(route, MakeKey("without-" + std::to_string(n), "jobs:submit,jobs:read,"
                                                                        "jobs:manage,workers")),
                    403, route, "key without admin");
    }
    const Reply ok = Call(route, MakeKey("with-" + std::to_string(n), std::string(auth::ScopeName(needed))));
    EXPECT_NE(ok.status, 401u) << ok.body;
    EXPECT_NE(ok.status, 403u) << ok.body;
    ++n;
  }
  EXPECT_GT(n, 30);
}

TEST_F(AuthRoutesTest, AWorkerKeyLimitedToATypeCannotLeaseAnother) {
  const std::string key = MakeKey("mailer", "workers", std::nullopt, "email.*");
  const std::string bearer = "Bearer " + key;
  Reply other = client().Send(verb::post, "/api/v1/leases", R"({"worker_id":"w1","types":["noop"]})",
                              {{"Authorization", bearer}});
  EXPECT_EQ(other.status, 403u) << other.body;
  EXPECT_NE(other.body.find("noop"), std::string::npos) << other.body;
  Reply any = client().Send(verb::post, "/api/v1/leases", R"({"worker_id":"w1"})", {{"Authorization", bearer}});
  EXPECT_EQ(any.status, 403u) << "a limited key must name its types: " << any.body;
  Reply own = client().Send(verb::post, "/api/v1/leases", R"({"worker_id":"w1","types":["email.send"]})",
                            {{"Authorization", bearer}});
  EXPECT_EQ(own.status, 200u) << own.body;
}

TEST_F(AuthRoutesTest, AKeyIsNeverEchoedOrStoredInClear) {
  const std::string key = MakeKey("reader", "jobs:read");
  Reply list = client().Get("/api/v1/keys", {{"Authorization", "Bearer " + MakeKey("a", "admin")}});
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.body.find(key.substr(22)), std::string::npos) << "a secret in the list";
  const std::vector<ApiKeyRow> rows = MustList(*store_);
  for (const ApiKeyRow& row : rows) {
    EXPECT_EQ(row.secret_sha256.find(key.substr(22)), std::string::npos);
  }
  Reply bad = client().Get("/api/v1/jobs", {{"Authorization", "Bearer " + key + "x"}});
  EXPECT_EQ(bad.status, 401u);
  EXPECT_EQ(bad.body.find(key.substr(22)), std::string::npos) << "a presented key echoed";
}

}  // namespace
}  // namespace conveyor::api::testing
