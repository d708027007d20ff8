#include "api/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "api/request_context.h"

namespace conveyor::api {
namespace {

using boost::beast::http::verb;

void HandlerA(RequestContext&) {}
void HandlerB(RequestContext&) {}
void HandlerC(RequestContext&) {}

Router MakeRouter() {
  Router r;
  r.Add(verb::post, "/jobs/batch", {.sync = &HandlerC, .access = Access::kJobsRead});
  r.Add(verb::get, "/jobs", {.sync = &HandlerA, .access = Access::kJobsRead});
  r.Add(verb::get, "/jobs/{id}", {.sync = &HandlerB, .access = Access::kJobsRead});
  r.Add(verb::delete_, "/jobs/{id}", {.sync = &HandlerA, .access = Access::kJobsRead});
  r.Add(verb::get, "/jobs/{id}/status", {.sync = &HandlerC, .access = Access::kJobsRead});
  return r;
}

std::string_view Norm(std::string_view target, std::string_view* query = nullptr) {
  std::string_view q;
  auto path = Router::NormalizePath(target, &q);
  if (query) *query = q;
  return path;
}

TEST(RouterTest, NormalizeStripsPrefixTrailingSlashAndQuery) {
  std::string_view query;
  EXPECT_EQ(Norm("/api/v1/jobs/"), "/jobs");
  EXPECT_EQ(Norm("/jobs/"), "/jobs");
  EXPECT_EQ(Norm("/jobs"), "/jobs");
  EXPECT_EQ(Norm("/api/v1/jobs?limit=5&status=PENDING", &query), "/jobs");
  EXPECT_EQ(query, "limit=5&status=PENDING");
  EXPECT_EQ(Norm("/api/v1"), "/");
  EXPECT_EQ(Norm("/"), "/");
  // Only the whole "/api/v1" segment is a prefix.
  EXPECT_EQ(Norm("/api/v10/jobs"), "/api/v10/jobs");
}

// Metrics label requests by pattern: a bounded set, unlike the paths clients send.
TEST(RouterTest, AMatchNamesItsPatternNotThePath) {
  const Router r = MakeRouter();
  EXPECT_EQ(r.Find(verb::get, Norm("/api/v1/jobs/abc/status")).pattern, "/jobs/{id}/status");
  EXPECT_EQ(r.Find(verb::get, Norm("/jobs")).pattern, "/jobs");
  const auto not_allowed = r.Find(verb::put, Norm("/jobs/abc"));
  ASSERT_EQ(not_allowed.kind, Router::MatchKind::kMethodNotAllowed);
  EXPECT_EQ(not_allowed.pattern, "/jobs/{id}");
  EXPECT_EQ(r.Find(verb::get, Norm("/nothing/here")).pattern, "");
}

TEST(RouterTest, FindsLiteralAndParameterRoutes) {
  const Router r = MakeRouter();
  auto m = r.Find(verb::get, Norm("/api/v1/jobs/"));
  ASSERT_EQ(m.kind, Router::MatchKind::kFound);
  EXPECT_EQ(m.handler.sync, &HandlerA);

  m = r.Find(verb::get, Norm("/jobs/0192f0c1-8d3c-7abc-9def-0123456789ab/status/"));
  ASSERT_EQ(m.kind, Router::MatchKind::kFound);
  EXPECT_EQ(m.handler.sync, &HandlerC);
  EXPECT_EQ(m.params[0], "0192f0c1-8d3c-7abc-9def-0123456789ab");

  m = r.Find(verb::delete_, Norm("/jobs/abc"));
  ASSERT_EQ(m.kind, Router::MatchKind::kFound);
  EXPECT_EQ(m.handler.sync, &HandlerA);
  EXPECT_EQ(m.params[0], "abc");
}

TEST(RouterTest, UnknownPathIsNotFound) {
  const Router r = MakeRouter();
  EXPECT_EQ(r.Find(verb::get, Norm("/nope")).kind, Router::MatchKind::kNotFound);
  EXPECT_EQ(r.Find(verb::get, Norm("/jobs/x/unknown")).kind, Router::MatchKind::kNotFound);
  EXPECT_EQ(r.Find(verb::get, Norm("/jobs/x/status/more")).kind, Router::MatchKind::kNotFound);
  EXPECT_EQ(r.Find(verb::get, Norm("//jobs")).kind, Router::MatchKind::kNotFound);
}

TEST(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowedWithAllow) {
  const Router r = MakeRouter();
  auto m = r.Find(verb::put, Norm("/jobs/abc"));
  EXPECT_EQ(m.kind, Router::MatchKind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");

  m = r.Find(verb::delete_, Norm("/jobs"));
  EXPECT_EQ(m.kind, Router::MatchKind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
}

TEST(RouterTest, LiteralRouteRegisteredFirstWinsOverParameter) {
  const Router r = MakeRouter();
  auto m = r.Find(verb::get, Norm("/jobs/batch"));
  EXPECT_EQ(m.kind, Router::MatchKind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_EQ(r.Find(verb::post, Norm("/jobs/batch")).handler.sync, &HandlerC);
}

TEST(RouterTest, ARouteWithoutAnAccessRuleIsRefusedAtRegistration) {
  Router r;
  EXPECT_THROW(r.Add(verb::get, "/unguarded", {.sync = &HandlerA}), std::logic_error);
  EXPECT_TRUE(r.Routes().empty());
}

}  // namespace
}  // namespace conveyor::api
