#include "handlers/email_send_handler.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <string>

#include "outbound/test_smtp_server.h"
#include "test_context.h"

namespace conveyor {
namespace {

namespace json = boost::json;

std::string ValidationError(const std::string& payload) {
  EmailSendHandler h;
  Status s = h.ValidatePayload(json::parse(payload));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << payload;
  return s.message();
}

TEST(EmailSendValidation, AcceptsOneOrManyRecipients) {
  EmailSendHandler h;
  EXPECT_TRUE(
      h.ValidatePayload(json::parse(R"({"to": "a@example.com", "subject": "s", "body": "b"})"))
          .ok());
  EXPECT_TRUE(h.ValidatePayload(json::parse(R"({"to": ["a@example.com", "b@x.org"],
      "subject": "", "body": "", "from": "me@example.com"})"))
                  .ok());
}

TEST(EmailSendValidation, MessagesNameTheField) {
  const std::string to = "payload.to must be an e-mail address or a list of them";
  EXPECT_TRUE(ValidationError(R"({"subject": "s", "body": "b"})").starts_with(to));
  EXPECT_TRUE(ValidationError(R"({"to": "nobody", "subject": "s", "body": "b"})").starts_with(to));
  EXPECT_TRUE(ValidationError(R"({"to": [], "subject": "s", "body": "b"})").starts_with(to));
  EXPECT_TRUE(ValidationError(R"({"to": 5, "subject": "s", "body": "b"})").starts_with(to));
  EXPECT_EQ(ValidationError(R"({"to": ["a@x.org", "a b@x.org"], "subject": "s", "body": "b"})"),
            "payload.to[1] must be an e-mail address");
  EXPECT_EQ(ValidationError(R"({"to": "a@x.org", "body": "b"})"),
            "payload.subject must be a string");
  EXPECT_EQ(ValidationError(R"({"to": "a@x.org", "subject": "a\r\nBcc: c@d", "body": "b"})"),
            "payload.subject must be one line (no CR or LF)");
  EXPECT_EQ(ValidationError(R"({"to": "a@x.org", "subject": "s", "body": 3})"),
            "payload.body must be a string");
  EXPECT_TRUE(ValidationError(R"({"to": "a@x.org", "subject": "s", "body": "b", "from": "x"})")
                  .starts_with("payload.from must be an e-mail address"));
  EXPECT_TRUE(ValidationError("[1]").starts_with("payload must be a JSON object"));
  json::array many;
  for (int i = 0; i < 101; ++i) many.emplace_back("r" + std::to_string(i) + "@example.com");
  json::object p{{"to", many}, {"subject", "s"}, {"body", "b"}};
  EXPECT_EQ(ValidationError(json::serialize(p)), "payload.to must list at most 100 recipients");
}

class EmailSendHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SMTP_URL", server_.Url().c_str(), 1);
    setenv("SMTP_FROM", "noreply@conveyor.test", 1);
  }
  void TearDown() override {
    unsetenv("SMTP_URL");
    unsetenv("SMTP_FROM");
  }
  TestSmtpServer server_;
  EmailSendHandler handler_;
};

TEST_F(EmailSendHandlerTest, SendsAndReportsTheAcceptedRecipients) {
  TestContext ctx(R"({"to": ["a@example.com", "b@example.com"], "subject": "Report",
                      "body": "Hi\n.hidden dot line\n"})");
  Result<std::string> r = handler_.Run(ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string id = "<" + ctx.job().id + "@conveyor.test>";
  EXPECT_EQ(json::parse(*r), json::parse(R"({"accepted": ["a@example.com", "b@example.com"],
                                              "message_id": ")" +
                                         id + R"("})"));
  EXPECT_EQ(server_.Read(0, "env"), "noreply@conveyor.test\na@example.com\nb@example.com");
  const std::string eml = server_.Read(0, "eml");
  EXPECT_NE(eml.find("Message-ID: " + id + "\r\n"), std::string::npos) << eml;
  EXPECT_TRUE(eml.ends_with("\r\n\r\nHi\r\n.hidden dot line\r\n")) << eml;
}

TEST_F(EmailSendHandlerTest, PayloadFromOverridesSmtpFrom) {
  TestContext ctx(R"({"to": "a@example.com", "subject": "s", "body": "b", "from": "me@x.org"})");
  ASSERT_TRUE(handler_.Run(ctx).ok());
  EXPECT_TRUE(server_.Read(0, "env").starts_with("me@x.org\n"));
}

TEST_F(EmailSendHandlerTest, TempfailIsRetryableAndRejectIsPermanent) {
  TestContext temp(R"({"to": "tempfail@example.com", "subject": "s", "body": "b"})");
  EXPECT_EQ(handler_.Run(temp).status().code(), StatusCode::kUnavailable);
  TestContext reject(R"({"to": "reject@example.com", "subject": "s", "body": "b"})");
  Status s = handler_.Run(reject).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("550"), std::string::npos) << s.message();
}

TEST_F(EmailSendHandlerTest, MissingSmtpUrlSaysWhatToSet) {
  unsetenv("SMTP_URL");
  TestContext ctx(R"({"to": "a@example.com", "subject": "s", "body": "b"})");
  Status s = handler_.Run(ctx).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "email.send needs SMTP_URL (e.g. smtp://127.0.0.1:1025)");
}

TEST_F(EmailSendHandlerTest, MissingSenderIsPermanent) {
  unsetenv("SMTP_FROM");
  TestContext ctx(R"({"to": "a@example.com", "subject": "s", "body": "b"})");
  Status s = handler_.Run(ctx).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "email.send needs payload.from or SMTP_FROM (an address)");
}

TEST_F(EmailSendHandlerTest, CancelIsHonoured) {
  TestContext ctx(R"({"to": "slow@example.com", "subject": "s", "body": "b"})");
  ctx.cancelled = true;
  EXPECT_EQ(handler_.Run(ctx).status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace conveyor
