// Every bad input of the contract gets its status and a problem+json body, never a 500, and the
// server keeps serving afterwards.
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;
using BadInputTest = ApiFixture;

constexpr const char* kUuid = "0192f0c1-8d3c-7abc-9def-0123456789ab";

// Asserts a problem+json reply with `status`, whose detail contains `detail_part`.
void ExpectProblem(const Reply& r, unsigned status, std::string_view detail_part = "") {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_TRUE(r.IsProblem()) << r.Header("Content-Type");
  const json::object p = r.Json().as_object();
  EXPECT_EQ(p.at("status").as_int64(), status);
  EXPECT_TRUE(p.at("type").as_string().starts_with("https://conveyor.dev/problems/"));
  EXPECT_FALSE(p.at("title").as_string().empty());
  EXPECT_FALSE(p.at("instance").as_string().empty());
  EXPECT_NE(std::string_view(p.at("detail").as_string()).find(detail_part), std::string::npos)
      << p.at("detail").as_string();
}

TEST_F(BadInputTest, MalformedJsonIs400) {
  ExpectProblem(client().Post("/jobs", "{\"type\": \"noop\""), 400, "not valid JSON");
  ExpectProblem(client().Post("/jobs", ""), 400, "empty");
  ExpectStillServing();
}

TEST_F(BadInputTest, WrongFieldTypesAre422NamingTheField) {
  ExpectProblem(client().Post("/jobs", R"({"type":"noop","priority":"high"})"), 422,
                "priority must be an integer from 1 to 10");
  ExpectProblem(client().Post("/jobs", R"({"type":"noop","run_at":"soon"})"), 422,
                "run_at must be an RFC 3339 time such as 2026-02-01T15:00:00Z");
  ExpectProblem(client().Post("/jobs", "[1,2]"), 422, "JSON object");
  ExpectProblem(client().Post("/jobs", R"({"operation":"square_sum","data":[1,"x"]})"), 422,
                "payload.data");
}

TEST_F(BadInputTest, MalformedOrUndeclaredCommandJobTypeIs422) {
  ExpectProblem(client().Post("/jobs", R"({"type":"no such type"})"), 422, "type must be");
  // Other unknown types wait for an external worker; command.<name> must be declared.
  ExpectProblem(client().Post("/jobs", R"({"type":"command.rm"})"), 422, "square_sum");
}

TEST_F(BadInputTest, WrongContentTypeIs415) {
  ExpectProblem(client().Send(boost::beast::http::verb::post, "/jobs", R"({"type":"noop"})", {},
                              "text/plain"),
                415, "application/json");
  ExpectProblem(
      client().Send(boost::beast::http::verb::post, "/jobs", R"({"type":"noop"})", {}, ""), 415);
}

TEST_F(BadInputTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  ExpectProblem(client().Get("/api/v1/nothing"), 404, "no route");
  Reply r = client().Send(boost::beast::http::verb::put, std::string("/jobs/") + kUuid);
  ExpectProblem(r, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, DELETE");
  r = client().Get("/jobs/batch");
  ExpectProblem(r, 405);
  EXPECT_EQ(r.Header("Allow"), "POST");
}

TEST_F(BadInputTest, MalformedIdOrCursorIs400AndUnknownIdIs404) {
  ExpectProblem(client().Get("/jobs/not-a-uuid"), 400, "job id must be a UUID");
  ExpectProblem(client().Get("/jobs/not-a-uuid/result"), 400, "job id must be a UUID");
  ExpectProblem(client().Delete("/jobs/123"), 400, "job id must be a UUID");
  ExpectProblem(client().Get("/jobs?cursor=abc"), 400, "cursor");
  ExpectProblem(client().Get(std::string("/jobs/") + kUuid), 404);
  ExpectProblem(client().Get(std::string("/jobs/") + kUuid + "/events"), 404);
  ExpectProblem(client().Post(std::string("/jobs/") + kUuid + "/retry", ""), 404);
}

TEST_F(BadInputTest, BadListParametersAre422) {
  ExpectProblem(client().Get("/jobs?status=sleeping"), 422, "status must be one of");
  ExpectProblem(client().Get("/jobs?limit=0"), 422, "limit");
  ExpectProblem(client().Get("/jobs?offset=-3"), 422, "offset");
}

TEST_F(BadInputTest, BodyOverTheLimitIs413AndTheConnectionCloses) {
  const std::string big =
      R"({"type":"noop","payload":{"pad":")" + std::string(100 << 10, 'x') + R"("}})";
  Reply r = client().Post("/jobs", big, {{"X-Correlation-Id", "big-1"}});
  ExpectProblem(r, 413, "exceeds");
  EXPECT_EQ(r.Header("X-Correlation-Id"), "big-1");
  EXPECT_EQ(r.Json().at("instance").as_string(), "/jobs");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(client().WaitForClose());
  ExpectStillServing();
}

TEST_F(BadInputTest, ChunkedBodyOverTheLimitIs413) {
  std::string request =
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(32 << 10, 'x');
  for (int i = 0; i < 4; ++i) request += "8000\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  client().WriteRaw(request);
  ExpectProblem(client().Read(), 413);
  ExpectStillServing();
}

TEST_F(BadInputTest, HeadersTooLargeIs431) {
  Reply r = client().Get("/health", {{"X-Big", std::string(20 << 10, 'h')}});
  ExpectProblem(r, 431);
  EXPECT_TRUE(client().WaitForClose());
  ExpectStillServing();
}

TEST_F(BadInputTest, GarbageIs400) {
  client().WriteRaw("HELLO WORLD\r\n\r\n");
  ExpectProblem(client().Read(), 400, "not valid HTTP");
  ExpectStillServing();
}

TEST_F(BadInputTest, DifferingIdempotencyKeysUseTheHeadersAndSaySo) {
  const Reply r = client().Post("/jobs", R"({"type":"noop","idempotency_key":"a"})",
                                {{"Idempotency-Key", "b"}});
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json().at("idempotency_key").as_string(), "b");
  EXPECT_NE(r.Json().at("warnings").as_array().at(0).as_string().find("header's key was used"),
            std::string::npos);
}

TEST_F(BadInputTest, NonUtf8HeaderIs400NotEchoedIntoJobJson) {
  ExpectProblem(client().Post("/jobs", R"({"type":"noop"})", {{"Idempotency-Key", "k\xff\xfe"}}),
                400, "Idempotency-Key is not valid UTF-8");
  ExpectProblem(client().Get("/jobs", {{"X-Note", "\xc0\xaf"}}), 400, "not valid UTF-8");
  const Reply list = client().Get("/jobs");
  ASSERT_EQ(list.status, 200u);
  EXPECT_NO_THROW(list.Json()) << "GET /jobs stays valid JSON";
  ExpectStillServing();
}

TEST_F(BadInputTest, GzipTransferEncodingIs415NotSilentlyIgnored) {
  client().WriteRaw(
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: gzip, chunked\r\n\r\nf\r\n{\"type\":\"noop\"}\r\n0\r\n\r\n");
  ExpectProblem(client().Read(), 415, "only chunked");
  ExpectStillServing();
}

TEST_F(BadInputTest, RunAtPastYear9999ViaAnOffsetIs422) {
  ExpectProblem(client().Post("/jobs", R"({"type":"noop","run_at":"9999-12-31T23:00:00-05:00"})"),
                422, "run_at");
  ExpectStillServing();
}

}  // namespace
}  // namespace conveyor::api::testing
