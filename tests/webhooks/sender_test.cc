// WebhookSender against a real keep-alive receiver (tests/e2e/webhook_receiver.py) over
// loopback: statuses, concurrency, connection reuse, timeouts, refused connections, the URL
// policy at connect time, and shutdown.
#include "webhooks/sender.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "outbound/test_send_results.h"
#include "webhooks/test_webhook_receiver.h"

namespace conveyor {
namespace {

using Results = testing::SendResults;

HttpRequestSpec Post(const std::string& url, int timeout_ms = 10000) {
  return HttpRequestSpec{.method = "POST",
                         .url = url,
                         .headers = {{"Content-Type", "application/json"}},
                         .body = R"({"type":"job.succeeded"})",
                         .timeout_ms = timeout_ms};
}

class WebhookSenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { receiver_ = new TestWebhookReceiver(); }
  static void TearDownTestSuite() {
    delete receiver_;
    receiver_ = nullptr;
  }
  // One request through a fresh sender, waited for.
  WebhookSendResult SendOne(HttpRequestSpec spec, UrlPolicy policy = UrlPolicy{}) {
    WebhookSender sender(WebhookSenderOptions{.policy = std::move(policy)});
    EXPECT_TRUE(sender.Start().ok());
    Results results;
    sender.Submit(std::move(spec), results.Callback());
    EXPECT_TRUE(results.Wait(1));
    return std::move(results.Take().at(0));
  }
  static TestWebhookReceiver* receiver_;
  const TestWebhookReceiver& rx_ = *receiver_;
};
TestWebhookReceiver* WebhookSenderTest::receiver_ = nullptr;

TEST_F(WebhookSenderTest, ReturnsTheReceiversStatusWhateverItIs) {
  WebhookSendResult ok = SendOne(Post(rx_.Url("/ok")));
  ASSERT_TRUE(ok.response.ok()) << ok.response.status().ToString();
  EXPECT_EQ(ok.response->status, 200);
  WebhookSendResult gone = SendOne(Post(rx_.Url("/status/410")));
  ASSERT_TRUE(gone.response.ok()) << gone.response.status().ToString();
  EXPECT_EQ(gone.response->status, 410);
}

TEST_F(WebhookSenderTest, SurfacesRetryAfterHeader) {
  WebhookSendResult r = SendOne(Post(rx_.Url("/retry-after/sender-ra/7")));
  ASSERT_TRUE(r.response.ok()) << r.response.status().ToString();
  EXPECT_EQ(r.response->status, 429);
  bool found = false;
  for (const auto& [k, v] : r.response->headers) found |= (k == "Retry-After" && v == "7");
  EXPECT_TRUE(found);
}

// The receiver answers none of the 16 until all 16 wait together: only concurrent sending
// passes (a serial sender would get 504 after the receiver's 20 s).
TEST_F(WebhookSenderTest, SendsManyConcurrently) {
  WebhookSender sender(WebhookSenderOptions{.max_in_flight = 16});
  ASSERT_TRUE(sender.Start().ok());
  Results results;
  for (int i = 0; i < 16; ++i) {
    sender.Submit(Post(rx_.Url("/barrier/sender-concurrent/16"), 30000), results.Callback());
  }
  ASSERT_TRUE(results.Wait(16));
  for (const WebhookSendResult& r : results.Take()) {
    ASSERT_TRUE(r.response.ok()) << r.response.status().ToString();
    EXPECT_EQ(r.response->status, 200);
  }
}

TEST_F(WebhookSenderTest, ReusesAKeptAliveConnection) {
  WebhookSender sender(WebhookSenderOptions{});
  ASSERT_TRUE(sender.Start().ok());
  const int before = rx_.Connections();
  constexpr int kRequests = 20;
  Results results;
  for (int i = 0; i < kRequests; ++i) {  // one after the other, so one connection suffices
    sender.Submit(Post(rx_.Url("/ok")), results.Callback());
    ASSERT_TRUE(results.Wait(i + 1));
  }
  for (const WebhookSendResult& r : results.Take()) ASSERT_TRUE(r.response.ok());
  EXPECT_EQ(sender.connections_opened(), 1);
  EXPECT_EQ(rx_.Connections() - before, 1);
}

TEST_F(WebhookSenderTest, HangingReceiverTimesOut) {
  WebhookSendResult r = SendOne(Post(rx_.Url("/sleep/5"), 300));
  EXPECT_EQ(r.response.status().code(), StatusCode::kDeadlineExceeded)
      << r.response.status().ToString();
}

TEST_F(WebhookSenderTest, RefusedConnectionIsUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/ok";
  WebhookSendResult r = SendOne(Post(url));
  EXPECT_EQ(r.response.status().code(), StatusCode::kUnavailable) << r.response.status().ToString();
}

// "localhost" passes the URL check (a name), but resolves to loopback: refused at connect time,
// and the receiver never sees a request.
TEST_F(WebhookSenderTest, NameResolvingToRefusedAddressNeverConnects) {
  const int before = rx_.Count();
  const std::string url = "http://localhost:" + std::to_string(rx_.port()) + "/ok";
  WebhookSendResult r = SendOne(Post(url), UrlPolicy{.allow_private = false});
  EXPECT_EQ(r.response.status().code(), StatusCode::kFailedPrecondition)
      << r.response.status().ToString();
  EXPECT_NE(r.response.status().message().find("loopback"), std::string::npos)
      << r.response.status().message();
  EXPECT_EQ(rx_.Count(), before);
}

TEST_F(WebhookSenderTest, MetadataLiteralIsRefusedBeforeSending) {
  WebhookSendResult r = SendOne(Post("http://169.254.169.254/latest/meta-data"));
  EXPECT_EQ(r.response.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(WebhookSenderTest, StopCancelsWhatIsInFlightAndQueued) {
  WebhookSender sender(WebhookSenderOptions{.max_in_flight = 1});
  ASSERT_TRUE(sender.Start().ok());
  Results results;
  sender.Submit(Post(rx_.Url("/sleep/10"), 20000), results.Callback());
  sender.Submit(Post(rx_.Url("/ok")), results.Callback());  // queued behind the first
  sender.Stop();
  ASSERT_TRUE(results.Wait(2));
  for (const WebhookSendResult& r : results.Take()) {
    // With one transfer at a time, the second cannot start before the first ends (10 s).
    EXPECT_EQ(r.response.status().code(), StatusCode::kCancelled);
  }
  sender.Stop();  // twice is fine
  Results late;
  sender.Submit(Post(rx_.Url("/ok")), late.Callback());
  ASSERT_TRUE(late.Wait(1));
  EXPECT_EQ(late.Take().at(0).response.status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace conveyor
