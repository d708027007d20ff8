// The verdict on one webhook attempt (webhooks/retry_schedule.h): which answers are delivered, retried or
// final, the backoff bounds, and Retry-After in both of its forms.
#include "webhooks/retry_schedule.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

constexpr TimeMs kNow = 1'790'000'000'000;  // 2026-09-21T...

WebhookSendResult Answer(long status,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponseData r;
  r.status = status;
  r.headers = std::move(headers);
  return WebhookSendResult{.response = r, .duration_ms = 3};
}

WebhookSendResult Error(Status s) { return WebhookSendResult{.response = s}; }

TEST(JudgeWebhookAttemptTest, TwoHundredsAreDelivered) {
  for (long code : {200L, 201L, 204L, 299L}) {
    DeliveryRecordParams p = JudgeWebhookAttempt(Answer(code), 1, kNow, {});
    EXPECT_EQ(p.outcome, DeliveryOutcome::kDelivered) << code;
    EXPECT_EQ(p.status_code, code);
    EXPECT_EQ(p.duration_ms, 3);
  }
}

TEST(JudgeWebhookAttemptTest, RetriesTimeoutsConnectionErrors408429And5xx) {
  WebhookRetryConfig config{.max_retries = 5, .backoff_base_s = 2};
  for (long code : {408L, 429L, 500L, 502L, 503L, 599L}) {
    DeliveryRecordParams p = JudgeWebhookAttempt(Answer(code), 2, kNow, config);
    EXPECT_EQ(p.outcome, DeliveryOutcome::kRetry) << code;
    EXPECT_GE(p.next_attempt_at, kNow + 2000) << code;  // base^2 = 4 s, jitter keeps >= half
    EXPECT_LE(p.next_attempt_at, kNow + 4000) << code;
  }
  for (Status s : {Status::DeadlineExceeded("slow"), Status::Unavailable("refused")}) {
    DeliveryRecordParams p = JudgeWebhookAttempt(Error(s), 1, kNow, config);
    EXPECT_EQ(p.outcome, DeliveryOutcome::kRetry) << s.ToString();
    EXPECT_FALSE(p.status_code.has_value());
  }
  EXPECT_NE(JudgeWebhookAttempt(Error(Status::DeadlineExceeded("x")), 1, kNow, config)
                .error.find("timed out"),
            std::string::npos);
}

TEST(JudgeWebhookAttemptTest, GoneOtherClientErrorsRedirectsAndPolicyRefusalsAreFinal) {
  DeliveryRecordParams gone = JudgeWebhookAttempt(Answer(410), 1, kNow, {});
  EXPECT_EQ(gone.outcome, DeliveryOutcome::kFailed);
  EXPECT_NE(gone.error.find("410 Gone"), std::string::npos) << gone.error;
  for (long code : {301L, 400L, 401L, 404L, 422L}) {
    EXPECT_EQ(JudgeWebhookAttempt(Answer(code), 1, kNow, {}).outcome, DeliveryOutcome::kFailed)
        << code;
  }
  DeliveryRecordParams refused = JudgeWebhookAttempt(
      Error(Status::FailedPrecondition("address 127.0.0.1 is refused")), 1, kNow, {});
  EXPECT_EQ(refused.outcome, DeliveryOutcome::kFailed);
  EXPECT_EQ(refused.error, "address 127.0.0.1 is refused");
}

TEST(JudgeWebhookAttemptTest, GivesUpAfterOnePlusMaxRetriesAttempts) {
  WebhookRetryConfig config{.max_retries = 2};
  EXPECT_EQ(JudgeWebhookAttempt(Answer(500), 2, kNow, config).outcome, DeliveryOutcome::kRetry);
  DeliveryRecordParams last = JudgeWebhookAttempt(Answer(500), 3, kNow, config);
  EXPECT_EQ(last.outcome, DeliveryOutcome::kFailed);
  EXPECT_EQ(last.error, "gave up after 3 attempts: receiver answered 500");
}

TEST(JudgeWebhookAttemptTest, HonoursRetryAfterSecondsAndDatesWithinTheCap) {
  WebhookRetryConfig config{.backoff_base_s = 0.01, .backoff_cap_s = 60};
  DeliveryRecordParams secs =
      JudgeWebhookAttempt(Answer(429, {{"retry-after", "7"}}), 1, kNow, config);
  EXPECT_EQ(secs.next_attempt_at, kNow + 7000);
  DeliveryRecordParams huge =
      JudgeWebhookAttempt(Answer(503, {{"Retry-After", "86400"}}), 1, kNow, config);
  EXPECT_EQ(huge.next_attempt_at, kNow + 60000);
}

TEST(ParseRetryAfterTest, SecondsHttpDatesAndGarbage) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), 0);
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), 120000);
  // 2026-09-21T14:13:20Z is kNow; ten seconds later as an IMF-fixdate.
  EXPECT_EQ(ParseRetryAfter("Mon, 21 Sep 2026 14:13:30 GMT", kNow), 10000);
  EXPECT_EQ(ParseRetryAfter("Mon, 21 Sep 2026 14:13:10 GMT", kNow), 0);  // past: at once
  EXPECT_FALSE(ParseRetryAfter("-5", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("", kNow).has_value());
}

TEST(WebhookBackoffTest, GrowsAsBaseToTheAttemptWithJitterAndCap) {
  WebhookRetryConfig config{.backoff_base_s = 2, .backoff_cap_s = 10};
  for (int i = 0; i < 50; ++i) {
    TimeMs first = WebhookBackoffMs(config, 1);
    EXPECT_GE(first, 1000);
    EXPECT_LE(first, 2000);
    TimeMs third = WebhookBackoffMs(config, 3);
    EXPECT_GE(third, 4000);
    EXPECT_LE(third, 8000);
    TimeMs capped = WebhookBackoffMs(config, 10);
    EXPECT_GE(capped, 5000);
    EXPECT_LE(capped, 10000);
  }
  EXPECT_GE(WebhookBackoffMs(WebhookRetryConfig{.backoff_base_s = 0.05}, 3), 10);  // floor
}

}  // namespace
}  // namespace conveyor
