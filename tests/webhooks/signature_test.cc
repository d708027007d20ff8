#include "webhooks/signature.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace conveyor {
namespace {

// The Standard Webhooks specification's own example. Derived with Python's standard library:
//   key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//   msg = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
//   "v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
constexpr char kSpecSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kSpecId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kSpecTimestamp = 1614265330;
constexpr char kSpecBody[] = R"({"test": 2432232314})";
constexpr char kSpecSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

WebhookSignatureHeaders SpecHeaders() {
  return {kSpecId, std::to_string(kSpecTimestamp), kSpecSignature};
}

TEST(SignWebhookTest, MatchesSpecVectorWithWhsecSecret) {
  WebhookSignatureHeaders h = SignWebhook(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody);
  EXPECT_EQ(h.id, kSpecId);
  EXPECT_EQ(h.timestamp, "1614265330");
  EXPECT_EQ(h.signature, kSpecSignature);
}

TEST(SignWebhookTest, UsesRawBytesWhenSecretHasNoPrefix) {
  // hmac.new(b"raw-secret", b"msg_1.1700000000.hello", hashlib.sha256), base64, "v1," prefix.
  WebhookSignatureHeaders h = SignWebhook("raw-secret", "msg_1", 1700000000, "hello");
  EXPECT_EQ(h.signature, "v1,3tUJt3UO/CmmooQPwyqC7dlU5WT7as77t8XACBI3Too=");
}

// One keyed signer, many attempts from many threads (the dispatcher's build threads): every
// signature is the spec's, so copies of the keyed state never disturb each other.
TEST(WebhookSignerTest, SignsTheSpecVectorFromManyThreadsAtOnce) {
  const WebhookSigner signer(kSpecSecret);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (signer.Sign(kSpecId, "1614265330", kSpecBody) != kSpecSignature) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(WebhookSigner("raw-secret").Sign("msg_1", "1700000000", "hello"),
            "v1,3tUJt3UO/CmmooQPwyqC7dlU5WT7as77t8XACBI3Too=");
}

TEST(VerifyWebhookTest, AcceptsSpecVectorWithinTolerance) {
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp));
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp + 300));
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp - 300));
}

TEST(VerifyWebhookTest, RefusesTimestampOutsideTolerance) {
  EXPECT_FALSE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp + 301));
  EXPECT_FALSE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp - 301));
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, SpecHeaders(), kSpecBody, kSpecTimestamp + 1000, 1000));
}

TEST(VerifyWebhookTest, RefusesMalformedTimestamp) {
  WebhookSignatureHeaders h = SpecHeaders();
  for (const char* ts : {"", "abc", "-1614265330", "1614265330 ", "99999999999999999999"}) {
    h.timestamp = ts;
    EXPECT_FALSE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp)) << ts;
  }
}

TEST(VerifyWebhookTest, RefusesTamperedBodyIdOrSecret) {
  EXPECT_FALSE(
      VerifyWebhook(kSpecSecret, SpecHeaders(), R"({"test": 2432232315})", kSpecTimestamp));
  WebhookSignatureHeaders h = SpecHeaders();
  h.id = "msg_other";
  EXPECT_FALSE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp));
  EXPECT_FALSE(
      VerifyWebhook("whsec_AAAAAAAAAAAAAAAAAAAAAAAA", SpecHeaders(), kSpecBody, kSpecTimestamp));
}

TEST(VerifyWebhookTest, AcceptsAnyOfSeveralSignatures) {
  WebhookSignatureHeaders h = SpecHeaders();
  h.signature = std::string("v1,bm90IHRoZSBzaWduYXR1cmU= v2,whatever ") + kSpecSignature;
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp));
  h.signature = std::string(kSpecSignature) + " v1,bm90IHRoZSBzaWduYXR1cmU=";
  EXPECT_TRUE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp));
}

TEST(VerifyWebhookTest, RefusesWrongVersionOrEmptySignature) {
  WebhookSignatureHeaders h = SpecHeaders();
  h.signature = std::string("v2,") + (kSpecSignature + 3);
  EXPECT_FALSE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp));
  h.signature = "";
  EXPECT_FALSE(VerifyWebhook(kSpecSecret, h, kSpecBody, kSpecTimestamp));
}

TEST(VerifyWebhookTest, RoundTripsWithRawSecretAndEmptyBody) {
  WebhookSignatureHeaders h = SignWebhook("s3cret", "msg_2", 1700000000, "");
  EXPECT_TRUE(VerifyWebhook("s3cret", h, "", 1700000010));
  EXPECT_FALSE(VerifyWebhook("s3cret!", h, "", 1700000010));
}

TEST(CheckWebhookSecretTest, AcceptsRawAndValidWhsec) {
  EXPECT_TRUE(CheckWebhookSecret(kSpecSecret).ok());
  EXPECT_TRUE(CheckWebhookSecret("anything at all").ok());
}

TEST(CheckWebhookSecretTest, RefusesEmptyAndBadBase64) {
  EXPECT_EQ(CheckWebhookSecret("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckWebhookSecret("whsec_").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckWebhookSecret("whsec_abc").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckWebhookSecret("whsec_ab!d").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace conveyor
