// StoreUrlWithPassword: how --store-password-file / DATABASE_PASSWORD_FILE put a password into a
// PostgreSQL URL, and that RedactStoreSecrets then hides it in every spelling.
#include <gtest/gtest.h>

#include "core/secret_redaction.h"
#include "store/store_factory.h"

namespace conveyor {
namespace {

TEST(StoreUrlWithPasswordTest, AddsThePercentEncodedPasswordAsALibpqParameter) {
  EXPECT_EQ(*StoreUrlWithPassword("postgres://app@db:5432/jobs", "p&w d"),
            "postgres://app@db:5432/jobs?password=p%26w%20d");
  EXPECT_EQ(*StoreUrlWithPassword("postgresql://app@db/jobs?pool_size=4", "x"),
            "postgresql://app@db/jobs?pool_size=4&password=x");
}

TEST(StoreUrlWithPasswordTest, TheResultIsRedactedWhereverTheUrlIsShown) {
  const std::string url = *StoreUrlWithPassword("postgres://app@db/jobs", "Pl4nted&pw");
  EXPECT_EQ(PasswordIn(url), "Pl4nted&pw");
  const std::string shown = RedactStoreSecrets("cannot open " + url + " (pw Pl4nted&pw)", url);
  EXPECT_EQ(shown.find("Pl4nted"), std::string::npos) << shown;
}

TEST(StoreUrlWithPasswordTest, RefusesSqliteAndAUrlThatHasAPasswordAlready) {
  EXPECT_EQ(StoreUrlWithPassword("sqlite:./data/conveyor.db", "x").status().code(),
            StatusCode::kInvalidArgument);
  const Status both = StoreUrlWithPassword("postgres://app:inline@db/jobs", "x").status();
  EXPECT_EQ(both.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(both.message().find("inline"), std::string::npos) << both.message();
}

}  // namespace
}  // namespace conveyor
