// /webhook-receiver: the bounded receipt log, signature checks, duplicate drops and the listing,
// on a real server; and a document.pipeline job delivering to its own server's receiver.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "api/webhook_receiver_resource.h"
#include "api_fixture.h"
#include "handlers/canonical_json.h"
#include "handlers/document_pipeline_handler.h"
#include "webhooks/signature.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

WebhookReceipt Keyed(const std::string& key) {
  return {.idempotency_key = key, .body = R"({"k":")" + key + R"("})"};
}

TEST(WebhookReceipts, DropsDuplicatesAndForgetsTheOldest) {
  WebhookReceipts log(3);
  EXPECT_TRUE(log.Add(Keyed("a")));
  EXPECT_FALSE(log.Add(Keyed("a"))) << "same key: a duplicate";
  EXPECT_TRUE(log.Add(WebhookReceipt{.body = "1"}));
  EXPECT_TRUE(log.Add(WebhookReceipt{.body = "2"})) << "no key: never a duplicate";
  EXPECT_TRUE(log.Add(Keyed("b")));
  EXPECT_EQ(log.size(), 3u);
  const auto newest = log.Newest(10);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].idempotency_key, "b");
  EXPECT_EQ(newest[2].body, "1");
  EXPECT_GT(newest[0].seq, newest[1].seq);
  EXPECT_TRUE(log.Add(Keyed("a"))) << "'a' was evicted, so it is new again";
  EXPECT_EQ(log.Newest(1).size(), 1u);
}

TEST(WebhookReceipts, FloodOfLargeBodiesStaysWithinTheByteBudget) {
  WebhookReceipts log(kMaxReceipts, 4 << 20);
  const std::string mib(1 << 20, 'x');
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(log.Add(WebhookReceipt{.body = mib}));
  EXPECT_LE(log.bytes(), size_t{4} << 20);
  EXPECT_GE(log.size(), 3u) << "the newest receipts that fit are kept";
  EXPECT_EQ(log.Newest(1000).front().seq, 300) << "the newest survives";
  EXPECT_LE(log.Newest(1000, 2 << 20).size(), 2u) << "a page stops at its byte cap";
  EXPECT_EQ(log.Newest(1000, 1).size(), 1u) << "but always holds one receipt";
}

// Each test's server has its own receiver, so each starts with no receipts.
class WebhookReceiverTest : public ApiFixture {
 protected:
  Reply SignedPost(const std::string& path, const std::string& id, const std::string& body,
                   const std::string& secret = kSecret) {
    const WebhookSignatureHeaders sig =
        SignWebhook(secret, id, SystemClock::Default()->NowMs() / 1000, body);
    return client().Post(path, body,
                         {{"webhook-id", sig.id},
                          {"webhook-timestamp", sig.timestamp},
                          {"webhook-signature", sig.signature}});
  }
  json::array Receipts(const std::string& query = "") {
    Reply r = client().Get("/webhook-receiver" + query);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.Json().at("receipts").as_array();
  }
};

TEST_F(WebhookReceiverTest, RecordsDropsDuplicatesAndListsNewestFirst) {
  Reply first = client().Post("/webhook-receiver", R"({"n": 1})", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.Json(), json::parse(R"({"received":true,"duplicate":false,
                                         "idempotency_key":"k-1"})"));
  Reply again =
      client().Post("/api/v1/webhook-receiver", R"({"n": 1})", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_TRUE(again.Json().at("duplicate").as_bool());
  // webhook-id is the key when there is no Idempotency-Key.
  ASSERT_EQ(client().Post("/webhook-receiver", R"([2])", {{"webhook-id", "msg-2"}}).status, 200u);
  EXPECT_TRUE(client()
                  .Post("/webhook-receiver/", R"([2])", {{"webhook-id", "msg-2"}})
                  .Json()
                  .at("duplicate")
                  .as_bool());
  const json::array all = Receipts();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].at("idempotency_key").as_string(), "msg-2");
  EXPECT_EQ(all[0].at("body"), json::parse("[2]"));
  EXPECT_EQ(all[1].at("body"), json::parse(R"({"n": 1})"));
  EXPECT_EQ(all[1].at("headers").at("idempotency-key").as_string(), "k-1");
  EXPECT_FALSE(all[1].at("signature_verified").as_bool());
  EXPECT_FALSE(all[1].at("received_at").as_string().empty());
  EXPECT_EQ(Receipts("?limit=1").size(), 1u);
  Reply bad_limit = client().Get("/webhook-receiver?limit=0");
  EXPECT_EQ(bad_limit.status, 422u);
  EXPECT_TRUE(bad_limit.IsProblem());
}

TEST_F(WebhookReceiverTest, BodyMustBeJsonOrNothing) {
  Reply r = client().Post("/webhook-receiver", "not json");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(r.IsProblem());
  EXPECT_TRUE(Receipts().empty());
  // The seed's example is a bare POST: no body is recorded as null.
  Reply bare = client().Post("/webhook-receiver", "");
  EXPECT_EQ(bare.status, 200u) << bare.body;
  ASSERT_EQ(Receipts().size(), 1u);
  EXPECT_TRUE(Receipts()[0].at("body").is_null());
}

// A server whose receiver checks signatures with kSecret.
class SigningWebhookReceiverTest : public WebhookReceiverTest {
 protected:
  void ConfigureServer(ServerConfig& c) override { c.webhook_receiver_secret = kSecret; }
};

TEST_F(SigningWebhookReceiverTest, ChecksSignaturesWhenASecretIsSet) {
  const std::string body = R"({"event":"x"})";
  Reply missing = client().Post("/webhook-receiver", body, {{"Idempotency-Key", "s-0"}});
  EXPECT_EQ(missing.status, 401u) << missing.body;
  EXPECT_TRUE(missing.IsProblem());
  EXPECT_NE(missing.Json().at("detail").as_string().find("webhook-signature"), std::string::npos);
  Reply wrong = SignedPost("/webhook-receiver", "s-1", body, "whsec_b3RoZXI=");
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  Reply ok = SignedPost("/webhook-receiver", "s-1", body);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_FALSE(ok.Json().at("duplicate").as_bool());
  EXPECT_TRUE(SignedPost("/webhook-receiver", "s-1", body).Json().at("duplicate").as_bool());
  // A signature over another body does not pass.
  const WebhookSignatureHeaders sig =
      SignWebhook(kSecret, "s-2", SystemClock::Default()->NowMs() / 1000, "{}");
  Reply tampered = client().Post("/webhook-receiver", body,
                                 {{"webhook-id", sig.id},
                                  {"webhook-timestamp", sig.timestamp},
                                  {"webhook-signature", sig.signature}});
  EXPECT_EQ(tampered.status, 401u);
  const json::array all = Receipts();
  ASSERT_EQ(all.size(), 1u) << "only the verified delivery is recorded";
  EXPECT_TRUE(all[0].at("signature_verified").as_bool());
}

// The pipeline's deliver step signs with the same secret the receiver checks.
class PipelineToReceiverTest : public SigningWebhookReceiverTest {
 protected:
  void ConfigureHandlers(BuiltinHandlerOptions& handlers) override {
    handlers.document_pipeline.webhook_secret = kSecret;
  }
};

TEST_F(PipelineToReceiverTest, DeliversOnceSignedAndTheJobSucceeds) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port()) + "/webhook-receiver";
  const std::string id = MustSubmit(R"({"doc_id": "doc-1", "payload": {"key": "value"},
      "webhook_url": ")" + url + R"("})");
  const json::value job = WaitForStatus(id, "SUCCEEDED");
  EXPECT_EQ(job.at("result").at("data_hash").as_string(), Sha256Hex(R"({"key":"value"})"));
  EXPECT_TRUE(job.at("webhook_url").is_null()) << "the pipeline is the only notification";
  const json::array all = Receipts();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].at("idempotency_key").as_string(), id);
  EXPECT_TRUE(all[0].at("signature_verified").as_bool());
  EXPECT_EQ(all[0].at("body").at("doc_id").as_string(), "doc-1");
  EXPECT_EQ(all[0].at("body").at("result"), job.at("result"));
}

}  // namespace
}  // namespace conveyor::api::testing
