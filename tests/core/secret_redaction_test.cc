#include "core/secret_redaction.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(RedactSecretsTest, MasksUrlUserinfoPasswordKeepingUserAndHost) {
  EXPECT_EQ(RedactSecrets("postgresql://app:S3cr3t@db.internal:5432/conveyor"),
            "postgresql://app:***@db.internal:5432/conveyor");
  EXPECT_EQ(RedactSecrets("cannot open store postgres://u:p%40ss@127.0.0.1:1/x: refused"),
            "cannot open store postgres://u:***@127.0.0.1:1/x: refused");
  EXPECT_EQ(RedactSecrets("SMTP smtps://mailer:hunter22@smtp.example.com:465: timeout"),
            "SMTP smtps://mailer:***@smtp.example.com:465: timeout");
}

TEST(RedactSecretsTest, LeavesUrlsWithoutPasswordAlone) {
  for (const char* text : {"postgres://app@db/x", "http://example.com/a?b=c", "no url here",
                           "sqlite:./data/conveyor.db", "mailto:a@b.c", "http://u@h:80/@x"}) {
    EXPECT_EQ(RedactSecrets(text), text);
  }
}

TEST(RedactSecretsTest, MasksPasswordKeysInConninfoAndQueryParameters) {
  EXPECT_EQ(RedactSecrets("host=db user=app password=S3cr3t dbname=x"),
            "host=db user=app password=*** dbname=x");
  EXPECT_EQ(RedactSecrets("host=db password = 'a b\\' c' port=5"), "host=db password = *** port=5");
  EXPECT_EQ(RedactSecrets("postgres://db/x?sslpassword=K3y&sslmode=require&PASSWORD=Two"),
            "postgres://db/x?sslpassword=***&sslmode=require&PASSWORD=***");
  EXPECT_EQ(RedactSecrets("user=app dbname=x"), "user=app dbname=x");
}

TEST(RedactSecretsTest, MasksKnownSecretsInEveryEncoding) {
  EXPECT_EQ(RedactSecrets("invalid token \"p%zzword\"", {"p%zzword"}), "invalid token \"***\"");
  EXPECT_EQ(RedactSecrets("echo p@ss w0rd", {"p%40ss w0rd"}), "echo ***");
  EXPECT_EQ(RedactSecrets("echo p%40ss%20w0rd", {"p@ss w0rd"}), "echo ***");
  EXPECT_EQ(RedactSecrets("short ab", {"ab"}), "short ab");  // too short to mask safely
}

TEST(PasswordInTest, FindsUserinfoAndConninfoPasswords) {
  EXPECT_EQ(PasswordIn("postgresql://u:p%40ss@h:1/db"), "p@ss");
  EXPECT_EQ(PasswordIn("postgresql://u@h/db?password=Q1&sslmode=x"), "Q1");
  EXPECT_EQ(PasswordIn("host=h password='x y' user=u"), "x y");
  EXPECT_EQ(PasswordIn("postgresql://u@h/db?sslpassword=only"), "");
  EXPECT_EQ(PasswordIn("sqlite:./data/conveyor.db"), "");
}

}  // namespace
}  // namespace conveyor
