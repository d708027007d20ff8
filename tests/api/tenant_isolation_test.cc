// Tenants over the real server (runtime/auth/tenants.h, api/tenant_scope.h): two tenants' keys
// and an admin's against a real SQLite store. Every route whose path names a job — taken from
// the router's own table, so a new one is covered without editing this file — answers another
// tenant's job exactly as a job that does not exist; listings hold only the tenant's jobs;
// idempotency keys and doc_ids are per tenant; jobs run in the plan's queue and follow a plan
// change; a tenant's key cannot be given more than the jobs:* scopes. (The e2e suite,
// tests/e2e/test_tenants.py, runs the same over HTTP on both stores.)
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

using boost::beast::http::verb;

constexpr const char* kNoop = R"({"type":"noop","payload":{}})";

class TenantIsolationTest : public ApiFixture {
 protected:
  void ConfigureServer(ServerConfig& c) override { c.auth_required = true; }

  void SetUp() override {
    ApiFixture::SetUp();
    ASSERT_TRUE(keys_->SetTenant("acme", "free").ok());
    ASSERT_TRUE(keys_->SetTenant("globex", "pro").ok());
    acme_ = Key("acme-app", "jobs:submit,jobs:read,jobs:manage", "acme");
    globex_ = Key("globex-app", "jobs:submit,jobs:read,jobs:manage", "globex");
    admin_ = Key("root", "admin", std::nullopt);
  }

  std::string Key(const std::string& name, const std::string& scopes,
                  std::optional<std::string> tenant) {
    auto created = keys_->Create({.name = name, .scopes = scopes, .tenant = tenant});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->key : "";
  }

  Reply As(const std::string& key, verb method, const std::string& target,
           const std::string& body = "", std::string idempotency_key = "") {
    if (idempotency_key.empty()) {
      return client().Send(method, target, body, {{"Authorization", "Bearer " + key}});
    }
    return client().Send(method, target, body,
                         {{"Authorization", "Bearer " + key}, {"Idempotency-Key", idempotency_key}});
  }

  std::string Submit(const std::string& key, const std::string& body = kNoop,
                     const std::string& idempotency_key = "") {
    Reply r = As(key, verb::post, "/api/v1/jobs", body, idempotency_key);
    EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    return r.status < 300 ? std::string(r.Json().at("id").as_string()) : "";
  }

  boost::json::value Job(const std::string& key, const std::string& id) {
    Reply r = As(key, verb::get, "/api/v1/jobs/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.Json() : boost::json::value();
  }

  std::string acme_, globex_, admin_;
};

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string TargetFor(std::string pattern, const std::string& id) {
  pattern = Replace(pattern, "{id}", id);
  return "/api/v1" + Replace(pattern, "{n}", "1");
}

TEST_F(TenantIsolationTest, EveryRouteNamingAJobAnswersAnotherTenantsJobAsMissing) {
  const std::string job = Submit(acme_);
  const std::string missing = "0190a6b8-3b7c-7d2e-8f00-00000000abcd";
  int routes = 0;
  for (const Router::RouteInfo& route : server_->Routes()) {
    if (!route.names_job) continue;
    if (route.access != Access::kJobsRead && route.access != Access::kJobsManage) continue;
    SCOPED_TRACE(route.pattern);
    const std::string body = route.method == verb::post ? "{}" : "";
    const Reply hidden = As(globex_, route.method, TargetFor(route.pattern, job), body);
    const Reply absent = As(globex_, route.method, TargetFor(route.pattern, missing), body);
    EXPECT_EQ(hidden.status, 404u) << hidden.body;
    EXPECT_EQ(Replace(hidden.body, job, "ID"), Replace(absent.body, missing, "ID"))
        << "another tenant's job must look exactly like no job";
    // Its own tenant and an admin get past the gate (the route may still say no, but not that
    // the job does not exist).
    for (const std::string* key : {&acme_, &admin_}) {
      const Reply own = As(*key, route.method, TargetFor(route.pattern, job), body);
      EXPECT_EQ(own.body.find("job " + job + " not found"), std::string::npos) << own.body;
    }
    ++routes;
  }
  EXPECT_GE(routes, 9) << "get, cancel, status, result, events, retry, artifact, deliveries, "
                          "redeliver";
  const std::string untouched = Submit(acme_, R"({"type":"noop","delay":3600})");
  EXPECT_EQ(As(globex_, verb::delete_, "/api/v1/jobs/" + untouched).status, 404u);
  EXPECT_EQ(Job(acme_, untouched).at("status").as_string(), "SCHEDULED")
      << "another tenant's cancel must change nothing";
}

TEST_F(TenantIsolationTest, AListingHoldsOnlyTheTenantsJobsAndAnAdminSeesAll) {
  for (int i = 0; i < 3; ++i) Submit(acme_);
  for (int i = 0; i < 2; ++i) Submit(globex_);
  auto count = [&](const std::string& key, const std::string& tenant) {
    Reply r = As(key, verb::get, "/api/v1/jobs?limit=100");
    EXPECT_EQ(r.status, 200u) << r.body;
    const boost::json::value body = r.Json();
    const auto& jobs = body.at("jobs").as_array();
    for (const auto& j : jobs) {
      if (!tenant.empty()) {
        EXPECT_EQ(j.at("tenant").as_string(), tenant);
      }
    }
    return jobs.size();
  };
  EXPECT_EQ(count(acme_, "acme"), 3u);
  EXPECT_EQ(count(globex_, "globex"), 2u);
  EXPECT_EQ(count(admin_, ""), 5u);
}

TEST_F(TenantIsolationTest, IdempotencyKeysAndDocIdsArePerTenant) {
  const std::string a = Submit(acme_, kNoop, "order-42");
  const std::string b = Submit(globex_, kNoop, "order-42");
  EXPECT_NE(a, b) << "the same key under two tenants is two jobs";
  EXPECT_EQ(Submit(acme_, kNoop, "order-42"), a) << "a replay within the tenant is its job";
  Reply listed = As(globex_, verb::get, "/api/v1/jobs?idempotency_key=order-42");
  ASSERT_EQ(listed.Json().at("jobs").as_array().size(), 1u);
  EXPECT_EQ(listed.Json().at("jobs").as_array()[0].at("id").as_string(), b);
  const std::string doc = R"({"doc_id":"doc-7","payload":{"text":"x"}})";
  EXPECT_NE(Submit(acme_, doc), Submit(globex_, doc)) << "doc_ids are per tenant too";
}

TEST_F(TenantIsolationTest, AnotherTenantsJobCannotBeADependency) {
  const std::string theirs = Submit(globex_);
  const std::string mine = Submit(acme_);
  const std::string on = [](const std::string& id) {
    return R"({"type":"noop","payload":{},"depends_on":[")" + id + R"("]})";
  }(theirs);
  Reply r = As(acme_, verb::post, "/api/v1/jobs", on);
  Reply unknown = As(acme_, verb::post, "/api/v1/jobs",
                     Replace(on, theirs, "0190a6b8-3b7c-7d2e-8f00-00000000abcd"));
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(Replace(r.body, theirs, "ID"),
            Replace(unknown.body, "0190a6b8-3b7c-7d2e-8f00-00000000abcd", "ID"));
  EXPECT_EQ(As(acme_, verb::post, "/api/v1/jobs", Replace(on, theirs, mine)).status, 201u);
}

TEST_F(TenantIsolationTest, JobsRunInThePlansQueueAndFollowAPlanChange) {
  const boost::json::value job = Job(acme_, Submit(acme_));
  EXPECT_EQ(job.at("queue").as_string(), "queue:free");
  EXPECT_EQ(job.at("tenant").as_string(), "acme");
  EXPECT_EQ(Job(acme_, Submit(acme_, R"({"type":"noop","plan":"free"})")).at("queue"), "queue:free");
  Reply other = As(acme_, verb::post, "/api/v1/jobs", R"({"type":"noop","queue":"queue:enterprise"})");
  EXPECT_EQ(other.status, 403u) << other.body;
  EXPECT_NE(other.body.find("free plan"), std::string::npos) << other.body;
  EXPECT_EQ(As(acme_, verb::post, "/api/v1/jobs", R"({"type":"noop","plan":"business"})").status,
            403u);
  Reply moved = As(admin_, verb::put, "/api/v1/tenants/acme", R"({"plan":"business"})");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(moved.Json().at("queue").as_string(), "queue:business");
  EXPECT_EQ(Job(acme_, Submit(acme_)).at("queue").as_string(), "queue:business");
  Reply batch = As(acme_, verb::post, "/api/v1/jobs/batch", R"({"jobs":[{"type":"noop"}]})");
  ASSERT_EQ(batch.status, 201u) << batch.body;
  EXPECT_EQ(batch.Json().at("jobs").as_array()[0].at("tenant").as_string(), "acme");
}

TEST_F(TenantIsolationTest, ATenantsKeyHoldsOnlyJobScopesAndNamesATenantThatExists) {
  Reply admin = As(admin_, verb::post, "/api/v1/keys",
                   R"({"name":"x","scopes":["admin"],"tenant":"acme"})");
  EXPECT_EQ(admin.status, 422u) << admin.body;
  Reply workers = As(admin_, verb::post, "/api/v1/keys",
                     R"({"name":"y","scopes":["workers"],"tenant":"acme"})");
  EXPECT_EQ(workers.status, 422u) << workers.body;
  Reply unknown = As(admin_, verb::post, "/api/v1/keys",
                     R"({"name":"z","scopes":["jobs:read"],"tenant":"initech"})");
  EXPECT_EQ(unknown.status, 422u) << unknown.body;
  EXPECT_NE(unknown.body.find("initech"), std::string::npos) << unknown.body;
  Reply plan = As(admin_, verb::put, "/api/v1/tenants/initech", R"({"plan":"platinum"})");
  EXPECT_EQ(plan.status, 422u) << plan.body;
  Reply listed = As(admin_, verb::get, "/api/v1/tenants");
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(listed.Json().at("tenants").as_array().size(), 2u);
  EXPECT_EQ(As(acme_, verb::get, "/api/v1/tenants").status, 403u);
}

}  // namespace
}  // namespace conveyor::api::testing
