// WebhookDispatcher end to end inside one process: a real SQLite store, jobs made terminal
// through the store (which creates their deliveries), and a real receiver over loopback
// (tests/e2e/webhook_receiver.py). Small backoffs keep it fast; no assert depends on timing
// except lower bounds the code guarantees (Retry-After).
#include "webhooks/dispatcher.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "core/time_format.h"
#include "runtime/runtime_fixture.h"
#include "webhooks/signature.h"
#include "webhooks/test_webhook_receiver.h"

namespace conveyor {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class WebhookDispatcherTest : public RuntimeFixture {
 protected:
  static void SetUpTestSuite() { receiver_ = new TestWebhookReceiver(); }
  static void TearDownTestSuite() {
    delete receiver_;
    receiver_ = nullptr;
  }
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;  // jobs are finished through the store, below
    StartRuntime();
    dconfig_.secret = kSecret;
    dconfig_.retry = {.max_retries = 5, .backoff_base_s = 0.02, .backoff_cap_s = 5};
    dconfig_.timeout_ms = 5000;
    dconfig_.idle_poll_ms = 50;
  }
  void TearDown() override {
    dispatcher_.reset();
    RuntimeFixture::TearDown();
  }

  void StartDispatcher() {
    dispatcher_ = std::make_unique<WebhookDispatcher>(*store_, *SystemClock::Default(), dconfig_);
    ASSERT_TRUE(dispatcher_->Start().ok());
  }

  // Submits a job with this webhook_url and makes it SUCCEEDED (or FAILED) through the store.
  std::string MustFinishJob(const std::string& url, bool succeed = true) {
    JobSpec spec = Spec("square_sum", R"({"data":[1,2,3]})");
    spec.webhook_url = url;
    spec.max_attempts = 1;
    const Job job = MustSubmit(std::move(spec));
    const TimeMs now = SystemClock::Default()->NowMs();
    Result<std::vector<Job>> claimed =
        store_->JobClaim({.worker_id = "t", .max = 1, .now = now, .lease_ms = 60000});
    EXPECT_TRUE(claimed.ok() && claimed->size() == 1);
    if (!claimed.ok() || claimed->empty()) return job.id;
    const std::string token = claimed->front().lease->token;
    if (succeed) {
      auto done = store_->JobCompleteMany(
          {.completions = {{.id = job.id, .lease_token = token, .result = R"({"sum":14})"}},
           .now = now + 1});
      EXPECT_TRUE(done.ok() && done->front().ok());
    } else {
      auto failed = store_->JobFail({.id = job.id,
                                     .lease_token = token,
                                     .error = "boom",
                                     .retryable = false,
                                     .now = now + 1});
      EXPECT_TRUE(failed.ok()) << failed.status().ToString();
    }
    return job.id;
  }

  std::vector<WebhookDelivery> MustDeliveries(const std::string& job_id) {
    Result<std::vector<WebhookDelivery>> list = store_->DeliveryList(job_id);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<WebhookDelivery>{};
  }

  // Polls until delivery n of the job is no longer pending (or until `pred` holds).
  WebhookDelivery WaitDelivery(
      const std::string& job_id, int n,
      const std::function<bool(const WebhookDelivery&)>& pred = [](const WebhookDelivery& d) {
        return d.state != DeliveryState::kPending;
      }) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
    for (;;) {
      std::vector<WebhookDelivery> all = MustDeliveries(job_id);
      if (static_cast<int>(all.size()) >= n && pred(all[n - 1])) return all[n - 1];
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "delivery " << n << " of job " << job_id << " did not settle";
        return all.size() >= static_cast<size_t>(n) ? all[n - 1] : WebhookDelivery{};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The receiver's log entries for this job's deliveries, oldest first.
  std::vector<json::object> Received(const std::string& job_id) {
    std::vector<json::object> out;
    const json::value log = json::parse(rx_.Log());
    for (const json::value& e : log.as_array()) {
      const json::object& o = e.as_object();
      const json::object& h = o.at("headers").as_object();
      const json::value* id = h.if_contains("webhook-id");
      if (id && std::string(id->as_string()).starts_with(job_id)) out.push_back(o);
    }
    return out;
  }

  static std::string Str(const json::object& o, std::string_view path1, std::string_view path2) {
    return std::string(o.at(path1).as_object().at(path2).as_string());
  }

  static TestWebhookReceiver* receiver_;
  const TestWebhookReceiver& rx_ = *receiver_;
  WebhookDispatcherConfig dconfig_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
};
TestWebhookReceiver* WebhookDispatcherTest::receiver_ = nullptr;

// The receiver answers 200 only when the signature verifies with the secret (in Python, written
// independently of our signer): delivered therefore means signed correctly.
TEST_F(WebhookDispatcherTest, DeliversASignedEventTheReceiverVerifies) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url(std::string("/verify/") + kSecret));
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("delivered")) << d.last_error.value_or("");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.event, "job.succeeded");
  std::vector<json::object> got = Received(id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Str(got[0], "headers", "webhook-id"), id + ".1");
  EXPECT_EQ(Str(got[0], "headers", "idempotency-key"), id + ".1");
  // The stored payload is exactly what was sent.
  ASSERT_TRUE(d.payload.has_value());
  EXPECT_EQ(std::string(got[0].at("body").as_string()), *d.payload);
  const json::object event = json::parse(*d.payload).as_object();
  EXPECT_EQ(event.at("type").as_string(), "job.succeeded");
  const json::object& data = event.at("data").as_object();
  EXPECT_EQ(data.at("id").as_string(), id);
  EXPECT_EQ(data.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(data.at("result").as_object().at("sum").as_int64(), 14);
  EXPECT_TRUE(data.at("error").is_null());
  for (const char* t : {"created_at", "started_at", "finished_at"}) {
    EXPECT_TRUE(ParseRfc3339(data.at(t).as_string()).has_value()) << t;
  }
}

TEST_F(WebhookDispatcherTest, WrongSecretIsRejectedByTheVerifyingReceiver) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/verify/some-other-secret"));
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("failed"));
  EXPECT_EQ(d.last_status, 401);
}

TEST_F(WebhookDispatcherTest, FlakyReceiverGetsItAfterNPlusOneAttemptsWithTheSameIdAndBody) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/flaky/dispatch-flaky/2"), /*succeed=*/false);
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("delivered"));
  EXPECT_EQ(d.event, "job.failed");
  ASSERT_EQ(d.attempt_log.size(), 3u);
  EXPECT_EQ(d.attempt_log[0].status_code, 500);
  EXPECT_EQ(d.attempt_log[1].status_code, 500);
  EXPECT_EQ(d.attempt_log[2].status_code, 200);
  EXPECT_EQ(d.attempt_log[2].error, "");
  std::vector<json::object> got = Received(id);
  ASSERT_EQ(got.size(), 3u);
  for (const json::object& r : got) {
    EXPECT_EQ(Str(r, "headers", "webhook-id"), id + ".1");
    EXPECT_EQ(r.at("body").as_string(), got[0].at("body").as_string());
  }
  const json::object data = json::parse(*d.payload).as_object().at("data").as_object();
  EXPECT_EQ(data.at("status").as_string(), "FAILED");
  EXPECT_EQ(data.at("error").as_string(), "boom");
}

TEST_F(WebhookDispatcherTest, HangingReceiverTimesOutIsRetriedThenGivenUp) {
  dconfig_.timeout_ms = 300;
  dconfig_.retry.max_retries = 1;
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/sleep/3"));
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("failed"));
  ASSERT_EQ(d.attempt_log.size(), 2u);
  EXPECT_NE(d.attempt_log[0].error.find("timed out"), std::string::npos) << d.attempt_log[0].error;
  EXPECT_NE(d.last_error.value_or("").find("gave up after 2 attempts"), std::string::npos)
      << d.last_error.value_or("");
}

TEST_F(WebhookDispatcherTest, GoneStopsAtOnceAndSaysSo) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/status/410"));
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("failed"));
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status, 410);
  EXPECT_NE(d.last_error.value_or("").find("410 Gone"), std::string::npos);
}

TEST_F(WebhookDispatcherTest, TooManyRequestsWaitsForRetryAfter) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/retry-after/dispatch-ra/1"));
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("delivered"));
  ASSERT_EQ(d.attempt_log.size(), 2u);
  EXPECT_EQ(d.attempt_log[0].status_code, 429);
  // The backoff alone would be ~20 ms; Retry-After: 1 holds the second attempt back >= 1 s.
  EXPECT_GE(d.attempt_log[1].at - d.attempt_log[0].at, 1000);
}

// "localhost" passes the submit-time check (a name) but resolves to loopback, which this policy
// refuses: failed with the policy's sentence, and the receiver never sees a request.
TEST_F(WebhookDispatcherTest, NameResolvingToARefusedAddressFailsWithoutConnecting) {
  dconfig_.policy.allow_private = false;
  StartDispatcher();
  const int before = rx_.Count();
  const std::string id = MustFinishJob("http://localhost:" + std::to_string(rx_.port()) + "/ok");
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("failed"));
  EXPECT_EQ(d.attempts, 1);
  EXPECT_NE(d.last_error.value_or("").find("loopback"), std::string::npos)
      << d.last_error.value_or("");
  EXPECT_EQ(rx_.Count(), before);
}

TEST_F(WebhookDispatcherTest, RedeliverySendsTheSameBodyUnderANewId) {
  StartDispatcher();
  const std::string id = MustFinishJob(rx_.Url("/ok"));
  WebhookDelivery first = WaitDelivery(id, 1);
  ASSERT_EQ(DeliveryStateName(first.state), std::string("delivered"));
  Result<WebhookDelivery> again =
      store_->DeliveryRedeliver({.job_id = id, .n = 1, .now = SystemClock::Default()->NowMs()});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->n, 2);
  dispatcher_->Wake();
  WebhookDelivery second = WaitDelivery(id, 2);
  EXPECT_EQ(DeliveryStateName(second.state), std::string("delivered"));
  std::vector<json::object> got = Received(id);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Str(got[1], "headers", "webhook-id"), id + ".2");
  EXPECT_EQ(got[1].at("body").as_string(), got[0].at("body").as_string());
}

// Receiver down: attempts fail and stay pending. A new dispatcher on a reopened store — a
// restarted node — sends them once the receiver is up.
TEST_F(WebhookDispatcherTest, PendingDeliveriesResumeAfterARestart) {
  dconfig_.retry = {.max_retries = 1000, .backoff_base_s = 0.05, .backoff_cap_s = 0.2};
  StartDispatcher();
  const int port = ClosedPort();
  const std::string id =
      MustFinishJob("http://127.0.0.1:" + std::to_string(port) + "/flaky/dispatch-restart/0");
  WaitDelivery(id, 1, [](const WebhookDelivery& d) { return d.attempts >= 2; });
  dispatcher_->Stop();
  WebhookDelivery pending = MustDeliveries(id).at(0);
  EXPECT_EQ(DeliveryStateName(pending.state), std::string("pending"));
  // The first attempt found nobody listening (the last may have been cut short by Stop).
  ASSERT_FALSE(pending.attempt_log.empty());
  EXPECT_NE(pending.attempt_log[0].error.find("127.0.0.1"), std::string::npos)
      << pending.attempt_log[0].error;

  dispatcher_.reset();
  service_.reset();
  store_.reset();
  Result<std::unique_ptr<Store>> reopened = OpenStore("sqlite:" + dir_ + "/conveyor.db");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(reopened).value();
  TestWebhookReceiver up(port);
  StartDispatcher();
  WebhookDelivery d = WaitDelivery(id, 1);
  EXPECT_EQ(DeliveryStateName(d.state), std::string("delivered")) << d.last_error.value_or("");
  EXPECT_EQ(up.Count(), 1);
}

TEST_F(WebhookDispatcherTest, ManyDeliveriesArriveOverFewConnections) {
  dconfig_.max_in_flight = 8;
  StartDispatcher();
  const int before = rx_.Connections();
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(MustFinishJob(rx_.Url("/ok")));
  for (const std::string& id : ids) {
    EXPECT_EQ(DeliveryStateName(WaitDelivery(id, 1).state), std::string("delivered"));
  }
  // The counter moves just after the store write the state was read from: wait for it (a
  // direct read counted 59 once under load).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (dispatcher_->delivered() < 60 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(dispatcher_->delivered(), 60);
  // Kept-alive connections are reused: far fewer than one per delivery. (libcurl may replace a
  // connection now and then, so the bound is loose.)
  EXPECT_LT(rx_.Connections() - before, 30);
}

}  // namespace
}  // namespace conveyor
