// ConcurrentHttpSender on its own: many requests through the queue, the policy before sending,
// and the name its messages carry. Keep-alive, timeouts, connect-time refusals and shutdown
// under load are covered through WebhookSender (tests/webhooks/sender_test.cc).
#include "outbound/concurrent_http_sender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "outbound/test_http_server.h"
#include "outbound/test_send_results.h"

namespace conveyor {
namespace {

using Results = testing::SendResults;

TEST(ConcurrentHttpSenderTest, MoreRequestsThanInFlightAllComplete) {
  TestHttpServer server;
  Results results;  // outlives the sender, whose destructor may still call back
  ConcurrentHttpSender sender(ConcurrentHttpSenderOptions{.max_in_flight = 3});
  ASSERT_TRUE(sender.Start().ok());
  constexpr int kRequests = 10;
  for (int i = 0; i < kRequests; ++i) {
    sender.Submit(HttpRequestSpec{.url = server.Url("/big/" + std::to_string(i))},
                  results.Callback());
  }
  ASSERT_TRUE(results.Wait(kRequests));
  std::vector<size_t> sizes;
  for (const HttpSendResult& r : results.Take()) {
    ASSERT_TRUE(r.response.ok()) << r.response.status().ToString();
    EXPECT_EQ(r.response->status, 200);
    sizes.push_back(r.response->body.size());
  }
  std::sort(sizes.begin(), sizes.end());
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(sizes[i], static_cast<size_t>(i));
  EXPECT_EQ(sender.completed(), kRequests);
}

TEST(ConcurrentHttpSenderTest, PolicyRefusalAnswersAtOnceWithoutSending) {
  Results results;
  // Not started: a refusal is answered inline in Submit, without the sender thread.
  ConcurrentHttpSender sender(ConcurrentHttpSenderOptions{});
  sender.Submit(HttpRequestSpec{.url = "http://169.254.169.254/latest/meta-data"},
                results.Callback());
  std::vector<HttpSendResult> got = results.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].response.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(sender.completed(), 0);
}

TEST(ConcurrentHttpSenderTest, MessagesNameTheSender) {
  Results results;
  ConcurrentHttpSender sender(ConcurrentHttpSenderOptions{.name = "test sender"});
  sender.Submit(HttpRequestSpec{.url = "http://127.0.0.1:9/never-sent"}, results.Callback());
  sender.Stop();  // before Start: what was queued completes Cancelled
  std::vector<HttpSendResult> got = results.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].response.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(got[0].response.status().message(), "test sender stopped");
  Status again = sender.Start();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.message(), "the test sender was started before");
}

}  // namespace
}  // namespace conveyor
