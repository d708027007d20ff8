#include "api/cors.h"

#include <gtest/gtest.h>

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

void Handler(RequestContext&) {}

Router MakeRouter() {
  Router r;
  r.Add(http::verb::get, "/jobs", {.sync = &Handler, .access = Access::kJobsRead});
  r.Add(http::verb::post, "/jobs", {.sync = &Handler, .access = Access::kJobsRead});
  return r;
}

HttpRequest Preflight(std::string_view origin) {
  HttpRequest request{http::verb::options, "/jobs", 11};
  request.set(http::field::origin, origin);
  request.set(http::field::access_control_request_method, "POST");
  return request;
}

const std::vector<std::string> kOrigins = {"https://app.example.com"};

TEST(CorsTest, SplitCorsOriginsTrimsSplitsAndLowercases) {
  EXPECT_EQ(SplitCorsOrigins({" https://App.Example.com , http://localhost:3000", "", ","}),
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
}

TEST(CorsTest, WildcardAndNonOriginsAreRefusedAtStart) {
  EXPECT_TRUE(CheckCorsOrigins({}).ok());
  EXPECT_TRUE(CheckCorsOrigins({"https://a.example.com", "http://[::1]:8080"}).ok());
  const Status star = CheckCorsOrigins({"*"});
  EXPECT_EQ(star.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(star.message().find("credentials"), std::string::npos) << star.message();
  for (const char* bad : {"https://a.example.com/", "a.example.com", "https://", "null",
                          "https://a.example.com/path", "https://a b.com", "https://a.com:"}) {
    EXPECT_EQ(CheckCorsOrigins({bad}).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CorsTest, PreflightFromListedOriginIsAnsweredWithTheRoutesMethods) {
  const Router router = MakeRouter();
  const HttpRequest request = Preflight("https://app.example.com");
  Response response;
  ASSERT_TRUE(
      AnswerCorsPreflight(kOrigins, request, router.Find(request.method(), "/jobs"), &response));
  EXPECT_EQ(response.status, 204u);
  EXPECT_EQ(response.allow, "GET, POST");
  EXPECT_TRUE(response.cors_preflight);
}

TEST(CorsTest, PreflightIsLeftToTheRouterWhenOffUnlistedOrUnknownRoute) {
  const Router router = MakeRouter();
  Response response;
  const HttpRequest listed = Preflight("https://app.example.com");
  const HttpRequest unlisted = Preflight("https://evil.example.net");
  const auto jobs = router.Find(http::verb::options, "/jobs");
  EXPECT_FALSE(AnswerCorsPreflight({}, listed, jobs, &response));
  EXPECT_FALSE(AnswerCorsPreflight(kOrigins, unlisted, jobs, &response));
  EXPECT_FALSE(
      AnswerCorsPreflight(kOrigins, listed, router.Find(http::verb::options, "/nope"), &response));
  HttpRequest plain_options{http::verb::options, "/jobs", 11};
  plain_options.set(http::field::origin, "https://app.example.com");
  EXPECT_FALSE(AnswerCorsPreflight(kOrigins, plain_options, jobs, &response));
  EXPECT_EQ(response.status, 200u);
}

TEST(CorsTest, AllowOriginOnlyForAListedOriginAndVaryForAnyOrigin) {
  HttpRequest request{http::verb::get, "/jobs", 11};
  Response response;
  SetCorsHeaders(kOrigins, request, &response);
  EXPECT_FALSE(response.cors_vary);
  request.set(http::field::origin, "https://evil.example.net");
  SetCorsHeaders(kOrigins, request, &response);
  EXPECT_TRUE(response.cors_vary);
  EXPECT_TRUE(response.cors_origin.empty());
  request.set(http::field::origin, "https://app.example.com");
  SetCorsHeaders(kOrigins, request, &response);
  EXPECT_EQ(response.cors_origin, "https://app.example.com");
  Response off;
  SetCorsHeaders({}, request, &off);
  EXPECT_FALSE(off.cors_vary);
  EXPECT_TRUE(off.cors_origin.empty());
}

TEST(CorsTest, SerializedHeadCarriesCorsHeadersOnlyWhenSet) {
  Response response;
  std::string head;
  SerializeResponseHead(response, 11, true, "", &head);
  EXPECT_EQ(head.find("Access-Control"), std::string::npos);
  EXPECT_EQ(head.find("Vary"), std::string::npos);
  response.cors_vary = true;
  response.cors_origin = "https://app.example.com";
  response.cors_preflight = true;
  response.allow = "GET, POST";
  head.clear();
  SerializeResponseHead(response, 11, true, "", &head);
  EXPECT_NE(head.find("Access-Control-Allow-Origin: https://app.example.com\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("Vary: Origin\r\n"), std::string::npos);
  EXPECT_NE(head.find("Access-Control-Allow-Methods: GET, POST\r\n"), std::string::npos);
  EXPECT_NE(head.find("Access-Control-Max-Age: 600\r\n"), std::string::npos);
}

}  // namespace
}  // namespace conveyor::api
