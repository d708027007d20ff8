#include "handlers/http_request_handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "handlers/handler_registry.h"
#include "outbound/test_http_server.h"
#include "test_context.h"

namespace conveyor {
namespace {

namespace json = boost::json;

std::string ValidationError(const std::string& payload) {
  HttpRequestHandler h;
  Status s = h.ValidatePayload(json::parse(payload));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << payload;
  return s.message();
}

TEST(HttpRequestValidation, AcceptsAFullPayload) {
  HttpRequestHandler h;
  EXPECT_TRUE(h.ValidatePayload(json::parse(R"({"url": "https://example.com/api"})")).ok());
  EXPECT_TRUE(h.ValidatePayload(json::parse(R"({"url": "http://10.0.0.5:8080/x", "method": "post",
      "headers": {"Authorization": "Bearer t"}, "body": {"a": [1]}, "timeout_s": 2.5,
      "max_response_bytes": 100})"))
                  .ok());
}

TEST(HttpRequestValidation, MessagesNameTheField) {
  EXPECT_EQ(ValidationError("[]"),
            R"(payload must be a JSON object, e.g. {"url": "https://example.com/api"})");
  EXPECT_EQ(ValidationError("{}"),
            "payload.url is required: an http or https URL such as https://example.com/api");
  EXPECT_EQ(ValidationError(R"({"url": 5})"),
            "payload.url must be an http or https URL (a string)");
  EXPECT_EQ(ValidationError(R"({"url": "ftp://example.com/"})"),
            "payload.url must use http or https, not ftp");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "method": "TRACE"})"),
            "payload.method must be one of GET, POST, PUT, PATCH, DELETE, HEAD");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "headers": ["a"]})"),
            R"(payload.headers must be an object of strings, e.g. {"Accept": "text/plain"})");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "headers": {"X-A": 1}})"),
            "payload.headers.X-A must be a string");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "headers": {"X-A": "a\r\nB: c"}})"),
            "payload.headers.X-A: header 'X-A' must not contain CR, LF or NUL");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "timeout_s": 0})"),
            "payload.timeout_s must be a number of seconds above 0 and at most 3600");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "max_response_bytes": 1.5})"),
            "payload.max_response_bytes must be a whole number from 1 to 16777216");
  EXPECT_EQ(ValidationError(R"({"url": "https://example.com", "max_response_bytes": 99999999})"),
            "payload.max_response_bytes must be a whole number from 1 to 16777216");
}

TEST(HttpRequestValidation, MetadataAddressIsRefusedAtSubmit) {
  std::string m = ValidationError(R"({"url": "http://169.254.169.254/latest/meta-data/"})");
  EXPECT_TRUE(m.starts_with("payload.url address 169.254.169.254 is refused")) << m;
}

TEST(HttpRequestValidation, IsRegisteredAsABuiltin) {
  HandlerRegistry registry;
  RegisterBuiltinHandlers(registry);
  ASSERT_NE(registry.Find("http.request"), nullptr);
}

class HttpRequestHandlerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestHttpServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  Result<std::string> Run(const json::object& payload) {
    TestContext ctx(json::serialize(payload));
    return handler_.Run(ctx);
  }
  static TestHttpServer* server_;
  HttpRequestHandler handler_;
};
TestHttpServer* HttpRequestHandlerTest::server_ = nullptr;

TEST_F(HttpRequestHandlerTest, ResultHasStatusHeadersBodyAndTruncated) {
  Result<std::string> r = Run({{"url", server_->Url("/hello")}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json::value v = json::parse(*r);
  EXPECT_EQ(v.at("status").to_number<int>(), 200);
  EXPECT_EQ(v.at("body").as_string(), "hello world");
  EXPECT_EQ(v.at("truncated").as_bool(), false);
  EXPECT_EQ(v.at("headers").at("x-test").as_string(), "yes");
  EXPECT_EQ(v.at("headers").at("x-multi").as_string(), "a, b");  // repeated headers joined
}

TEST_F(HttpRequestHandlerTest, JsonBodyIsSentAsApplicationJson) {
  Result<std::string> r =
      Run({{"url", server_->Url("/echo")}, {"method", "put"}, {"body", json::object{{"n", 1}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json::value v = json::parse(*r);
  EXPECT_EQ(v.at("body").as_string(), R"({"n":1})");
  EXPECT_EQ(v.at("headers").at("x-method").as_string(), "PUT");
  EXPECT_EQ(v.at("headers").at("x-content-type").as_string(), "application/json");
}

TEST_F(HttpRequestHandlerTest, CallersContentTypeWins) {
  Result<std::string> r = Run({{"url", server_->Url("/echo")},
                               {"method", "POST"},
                               {"headers", json::object{{"content-type", "text/x-custom"}}},
                               {"body", json::array{1, 2}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r).at("headers").at("x-content-type").as_string(), "text/x-custom");
}

TEST_F(HttpRequestHandlerTest, ClientErrorStatusIsASuccessfulResult) {
  Result<std::string> r = Run({{"url", server_->Url("/status/404")}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r).at("status").to_number<int>(), 404);
}

TEST_F(HttpRequestHandlerTest, ServerErrorsAndThrottlingAreRetryable) {
  for (int status : {500, 503, 429, 408}) {
    const std::string url = server_->Url("/status/" + std::to_string(status));
    Result<std::string> r = Run({{"url", url}});
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << status;
    EXPECT_EQ(r.status().message(), "http.request got " + std::to_string(status) + " from " + url);
  }
}

TEST_F(HttpRequestHandlerTest, BodyIsTruncatedToTheLimit) {
  Result<std::string> r = Run({{"url", server_->Url("/big/5000")}, {"max_response_bytes", 10}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json::value v = json::parse(*r);
  EXPECT_EQ(v.at("body").as_string(), "aaaaaaaaaa");
  EXPECT_EQ(v.at("truncated").as_bool(), true);
}

TEST_F(HttpRequestHandlerTest, BodyThatIsNotUtf8GetsReplacementCharacters) {
  Result<std::string> r = Run({{"url", server_->Url("/binary")}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r).at("body").as_string(), "ok\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_F(HttpRequestHandlerTest, TruncationMidCharacterStillGivesValidUtf8) {
  // "é" is two bytes; a one-byte limit cuts it in half.
  Result<std::string> r = Run({{"url", server_->Url("/echo")},
                               {"method", "POST"},
                               {"body", "\xC3\xA9"},
                               {"max_response_bytes", 1}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r).at("body").as_string(), "\xEF\xBF\xBD");
}

TEST_F(HttpRequestHandlerTest, TimeoutIsRetryableDeadlineExceeded) {
  Result<std::string> r = Run({{"url", server_->Url("/sleep/5")}, {"timeout_s", 0.2}});
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
}

TEST_F(HttpRequestHandlerTest, HonoursCancellation) {
  TestContext ctx(json::serialize(json::object{{"url", server_->Url("/sleep/5")}}));
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ctx.cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  Result<std::string> r = handler_.Run(ctx);
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(HttpRequestHandlerTest, PrivateAddressesRefusedWhenThePolicySaysSo) {
  HttpRequestHandler strict(UrlPolicy{.allow_private = false});
  const std::string url = "http://localhost:" + std::to_string(server_->port()) + "/hello";
  TestContext ctx(json::serialize(json::object{{"url", url}}));
  Result<std::string> r = strict.Run(ctx);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_TRUE(r.status().message().starts_with("payload.url address ")) << r.status().message();
}

}  // namespace
}  // namespace conveyor
