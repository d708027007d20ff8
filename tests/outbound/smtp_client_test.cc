#include "outbound/smtp_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "outbound/test_smtp_server.h"

namespace conveyor {
namespace {

MailMessage Message(std::vector<std::string> to) {
  return MailMessage{.from = "jobs@conveyor.test",
                     .to = std::move(to),
                     .subject = "Report ready",
                     .body = "Hello.\n"};
}

// A port nothing listens on: bound, never listened to, closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class SmtpClientTest : public ::testing::Test {
 protected:
  SmtpConfig Config(int timeout_ms = 10000) const {
    return SmtpConfig{.url = server_.Url(), .timeout_ms = timeout_ms};
  }
  TestSmtpServer server_;
};

TEST_F(SmtpClientTest, DeliversHeadersAndBody) {
  MailMessage m = Message({"a@example.com", "b@example.com"});
  m.subject = "Grüße – ready ✓";
  m.body = "Line one\n.starts with a dot\n..two dots\r\nlast line ünïcode";
  m.message_id = "<fixed-id@conveyor.test>";
  ASSERT_TRUE(SendMail(Config(), m, nullptr).ok());
  ASSERT_EQ(server_.MessageCount(), 1);
  EXPECT_EQ(server_.Read(0, "env"), "jobs@conveyor.test\na@example.com\nb@example.com");
  EXPECT_EQ(server_.Read(0, "subject"), "Grüße – ready ✓");
  const std::string eml = server_.Read(0, "eml");
  EXPECT_NE(eml.find("From: jobs@conveyor.test\r\n"), std::string::npos) << eml;
  EXPECT_NE(eml.find("To: a@example.com,\r\n b@example.com\r\n"), std::string::npos) << eml;
  EXPECT_NE(eml.find("Subject: =?UTF-8?B?"), std::string::npos) << eml;
  EXPECT_NE(eml.find("Message-ID: <fixed-id@conveyor.test>\r\n"), std::string::npos) << eml;
  EXPECT_TRUE(eml.starts_with("Date: ")) << eml;
  EXPECT_NE(eml.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Content-Transfer-Encoding: 8bit\r\n"), std::string::npos);
  const std::string body = eml.substr(eml.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "Line one\r\n.starts with a dot\r\n..two dots\r\nlast line ünïcode\r\n");
}

TEST_F(SmtpClientTest, FormatsAnRfc5322Message) {
  MailMessage m = Message({"a@example.com"});
  m.message_id = "<x@y>";
  EXPECT_EQ(FormatMailMessage(m, 0),
            "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
            "From: jobs@conveyor.test\r\n"
            "To: a@example.com\r\n"
            "Subject: Report ready\r\n"
            "Message-ID: <x@y>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "\r\n"
            "Hello.\r\n");
}

TEST_F(SmtpClientTest, LongUtf8SubjectIsSplitIntoShortEncodedWords) {
  MailMessage m = Message({"a@example.com"});
  for (int i = 0; i < 40; ++i) m.subject += "é";  // 80 bytes: two encoded-words
  const std::string text = FormatMailMessage(m, 0);
  const size_t start = text.find("Subject: ");
  const std::string subject = text.substr(start, text.find("\r\nMessage-ID") - start);
  EXPECT_NE(subject.find("?=\r\n =?UTF-8?B?"), std::string::npos) << subject;
  ASSERT_TRUE(SendMail(Config(), m, nullptr).ok());
  EXPECT_EQ(server_.Read(0, "subject"), m.subject);
}

TEST_F(SmtpClientTest, GeneratesAMessageIdWhenNoneIsGiven) {
  EXPECT_TRUE(NewMessageId("a@example.org").ends_with("@example.org>"));
  EXPECT_NE(NewMessageId("a@example.org"), NewMessageId("a@example.org"));
  EXPECT_TRUE(NewMessageId("nodomain").ends_with("@conveyor.invalid>"));
  ASSERT_TRUE(SendMail(Config(), Message({"a@example.com"}), nullptr).ok());
  EXPECT_NE(server_.Read(0, "eml").find("Message-ID: <"), std::string::npos);
}

TEST_F(SmtpClientTest, TemporaryFailureIsUnavailable) {
  Status s = SendMail(Config(), Message({"tempfail@example.com"}), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("451"), std::string::npos) << s.message();
  EXPECT_EQ(server_.MessageCount(), 0);
}

TEST_F(SmtpClientTest, RejectedRecipientIsFailedPreconditionWithTheCode) {
  Status s = SendMail(Config(), Message({"ok@example.com", "reject@example.com"}), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("550"), std::string::npos) << s.message();
  EXPECT_EQ(server_.MessageCount(), 0);
}

TEST_F(SmtpClientTest, ConnectionRefusedIsUnavailable) {
  SmtpConfig c{.url = "smtp://127.0.0.1:" + std::to_string(ClosedPort())};
  Status s = SendMail(c, Message({"a@example.com"}), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

TEST_F(SmtpClientTest, TimeoutIsUnavailable) {
  auto start = std::chrono::steady_clock::now();
  Status s = SendMail(Config(300), Message({"slow@example.com"}), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SmtpClientTest, CancelStopsASlowSession) {
  auto start = std::chrono::steady_clock::now();
  auto cancelled = [&] {
    return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(200);
  };
  Status s = SendMail(Config(), Message({"slow@example.com"}), cancelled);
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SmtpClientTest, NoPasswordInClearWithoutStartTls) {
  SmtpConfig c = Config();
  c.username = "bot";
  c.password = "s3cret";
  Status s = SendMail(c, Message({"a@example.com"}), nullptr);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("STARTTLS"), std::string::npos) << s.message();
  EXPECT_EQ(server_.MessageCount(), 0);
}

TEST_F(SmtpClientTest, RefusesHeaderInjection) {
  MailMessage m = Message({"a@example.com"});
  m.subject = "hi\r\nBcc: victim@example.com";
  EXPECT_EQ(SendMail(Config(), m, nullptr).code(), StatusCode::kInvalidArgument);
  m = Message({"a@example.com\r\nRCPT TO:<x@y>"});
  EXPECT_EQ(SendMail(Config(), m, nullptr).code(), StatusCode::kInvalidArgument);
  m = Message({"a@example.com"});
  m.from = "x@y>\nDATA";
  EXPECT_EQ(SendMail(Config(), m, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SendMail(Config(), Message({}), nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.MessageCount(), 0);
}

TEST(SmtpConfigFromEnv, ReadsTheEnvironmentAndThePasswordFile) {
  unsetenv("SMTP_URL");
  EXPECT_EQ(SmtpConfigFromEnv().status().code(), StatusCode::kFailedPrecondition);
  setenv("SMTP_URL", "http://mail.example.com", 1);
  EXPECT_EQ(SmtpConfigFromEnv().status().code(), StatusCode::kFailedPrecondition);
  char path[] = "/tmp/conveyor_smtp_pw_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_EQ(write(fd, " s3cret\n", 8), 8);
  close(fd);
  setenv("SMTP_URL", "smtps://mail.example.com:465", 1);
  setenv("SMTP_USERNAME", "bot", 1);
  unsetenv("SMTP_PASSWORD");
  setenv("SMTP_PASSWORD_FILE", path, 1);
  setenv("SMTP_FROM", "noreply@example.com", 1);
  Result<SmtpConfig> c = SmtpConfigFromEnv();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->url, "smtps://mail.example.com:465");
  EXPECT_EQ(c->username, "bot");
  EXPECT_EQ(c->password, "s3cret");
  EXPECT_EQ(c->default_from, "noreply@example.com");
  setenv("SMTP_PASSWORD", "direct", 1);
  EXPECT_EQ(SmtpConfigFromEnv()->password, "direct");
  unlink(path);
  unsetenv("SMTP_PASSWORD");
  EXPECT_EQ(SmtpConfigFromEnv().status().code(), StatusCode::kFailedPrecondition);
  for (const char* name :
       {"SMTP_URL", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_PASSWORD_FILE", "SMTP_FROM"}) {
    unsetenv(name);
  }
}

}  // namespace
}  // namespace conveyor
