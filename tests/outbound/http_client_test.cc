#include "outbound/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "outbound/test_http_server.h"

namespace conveyor {
namespace {

using std::chrono::steady_clock;

const std::function<bool()> kNever = [] { return false; };

class HttpClientTest : public ::testing::Test {
 protected:
  // One server for the suite: starting Python costs a few hundred milliseconds.
  static void SetUpTestSuite() { shared_ = new TestHttpServer(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  Result<HttpResponseData> Get(const std::string& path, UrlPolicy policy = UrlPolicy{}) {
    return PerformHttpRequest(HttpRequestSpec{.url = server_.Url(path)}, policy, kNever);
  }
  static TestHttpServer* shared_;
  const TestHttpServer& server_ = *shared_;
};
TestHttpServer* HttpClientTest::shared_ = nullptr;

std::string Header(const HttpResponseData& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  Result<HttpResponseData> r = Get("/hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(Header(*r, "X-Test"), "yes");
  EXPECT_EQ(Header(*r, "Content-Length"), "11");
}

TEST_F(HttpClientTest, PostSendsBodyAndHeaders) {
  HttpRequestSpec spec{.method = "POST",
                       .url = server_.Url("/echo"),
                       .headers = {{"Content-Type", "text/plain"}, {"X-Custom", "42"}},
                       .body = "ping"};
  Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "ping");
  EXPECT_EQ(Header(*r, "X-Method"), "POST");
  EXPECT_EQ(Header(*r, "X-Content-Type"), "text/plain");
  EXPECT_EQ(Header(*r, "X-Custom"), "42");
}

TEST_F(HttpClientTest, PutPatchAndDeleteSendTheirMethodAndBody) {
  for (const char* method : {"PUT", "PATCH", "DELETE"}) {
    HttpRequestSpec spec{.method = method, .url = server_.Url("/echo"), .body = "x"};
    Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Header(*r, "X-Method"), method);
    EXPECT_EQ(r->body, "x");
  }
}

TEST_F(HttpClientTest, HeadReturnsHeadersWithoutBody) {
  HttpRequestSpec spec{.method = "HEAD", .url = server_.Url("/hello")};
  Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
}

TEST_F(HttpClientTest, ErrorStatusesAreReturnedNotFailed) {
  Result<HttpResponseData> r = Get("/status/503");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "status 503");
  Result<HttpResponseData> redirect = Get("/status/302");  // not followed
  ASSERT_TRUE(redirect.ok());
  EXPECT_EQ(redirect->status, 302);
}

TEST_F(HttpClientTest, BodyBeyondTheLimitIsTruncated) {
  HttpRequestSpec spec{.url = server_.Url("/big/100000"), .max_response_bytes = 1000};
  Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::string(1000, 'a'));
  EXPECT_TRUE(r->truncated);
  spec.max_response_bytes = 100000;  // exactly the limit is not truncated
  r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body.size(), 100000u);
  EXPECT_FALSE(r->truncated);
}

TEST_F(HttpClientTest, SlowServerIsDeadlineExceeded) {
  HttpRequestSpec spec{.url = server_.Url("/sleep/5"), .timeout_ms = 200};
  const auto start = steady_clock::now();
  Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, kNever);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(HttpClientTest, CancellationAbortsPromptly) {
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled = true;
  });
  const auto start = steady_clock::now();
  Result<HttpResponseData> r = PerformHttpRequest(HttpRequestSpec{.url = server_.Url("/sleep/5")},
                                                  UrlPolicy{}, [&] { return cancelled.load(); });
  const auto took = steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailable) {
  // Port 1 on loopback: nothing listens there in the test environment.
  Result<HttpResponseData> r =
      PerformHttpRequest(HttpRequestSpec{.url = "http://127.0.0.1:1/"}, UrlPolicy{}, kNever);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
}

TEST(HttpClientPolicyTest, MetadataAddressIsRefusedBeforeConnecting) {
  Result<HttpResponseData> r = PerformHttpRequest(
      HttpRequestSpec{.url = "http://169.254.169.254/latest/meta-data/"}, UrlPolicy{}, kNever);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("cloud metadata"), std::string::npos) << r.status().message();
}

TEST(HttpClientPolicyTest, BadSchemeIsInvalidArgument) {
  Result<HttpResponseData> r =
      PerformHttpRequest(HttpRequestSpec{.url = "file:///etc/passwd"}, UrlPolicy{}, kNever);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpClientPolicyTest, HeaderInjectionIsInvalidArgument) {
  HttpRequestSpec spec{.url = "http://127.0.0.1:1/", .headers = {{"X-A", "1\r\nX-B: 2"}}};
  EXPECT_EQ(PerformHttpRequest(spec, UrlPolicy{}, kNever).status().code(),
            StatusCode::kInvalidArgument);
  spec.headers = {{"Bad Name", "1"}};
  EXPECT_EQ(PerformHttpRequest(spec, UrlPolicy{}, kNever).status().code(),
            StatusCode::kInvalidArgument);
}

// The name passes CheckWebhookUrl (it is not an IP literal); only the address libcurl is about
// to connect to reveals loopback. This is the check that defeats DNS rebinding.
TEST_F(HttpClientTest, NameResolvingToARefusedAddressIsRefusedAtConnectTime) {
  const std::string url = "http://localhost:" + std::to_string(server_.port()) + "/hello";
  const UrlPolicy public_only{.allow_private = false};
  ASSERT_TRUE(CheckWebhookUrl(url, public_only).ok());
  Result<HttpResponseData> r = PerformHttpRequest(HttpRequestSpec{.url = url}, public_only, kNever);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_NE(r.status().message().find("loopback"), std::string::npos) << r.status().message();
  // The same URL under a policy that allows private addresses reaches the server.
  Result<HttpResponseData> ok =
      PerformHttpRequest(HttpRequestSpec{.url = url}, UrlPolicy{}, kNever);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body, "hello world");
}

TEST_F(HttpClientTest, AllowCidrsAdmitOnlyListedAddresses) {
  const UrlPolicy other{.allow_cidrs = {"10.0.0.0/8"}};
  EXPECT_EQ(Get("/hello", other).status().code(), StatusCode::kFailedPrecondition);
  const UrlPolicy loopback{.allow_private = false, .allow_cidrs = {"127.0.0.1"}};
  EXPECT_TRUE(Get("/hello", loopback).ok());
}

}  // namespace
}  // namespace conveyor
