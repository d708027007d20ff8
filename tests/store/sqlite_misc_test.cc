// OpenStore URL handling, the raw insert ceiling, and the store's small JSON codec.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite/sqlite_ceiling.h"
#include "store/store_factory.h"
#include "store/store_json.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

class StoreFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(StoreFactoryTest, AcceptsSqliteUrlsAndDbPaths) {
  for (const std::string& url : {"sqlite:" + dir_ + "/a.db", "sqlite://" + dir_ + "/b.db",
                                dir_ + "/c.db"}) {
    auto store = OpenStore(url);
    ASSERT_TRUE(store.ok()) << url << ": " << store.status().ToString();
    EXPECT_TRUE((*store)->Migrate().ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/a.db"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/b.db"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/c.db"));
}

TEST_F(StoreFactoryTest, RefusesAnythingElse) {
  for (const char* url : {"mysql://x", "data/conveyor", "sqlite:", ""}) {
    auto r = OpenStore(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
  }
}

TEST_F(StoreFactoryTest, InsertCeilingIsMeasuredAndLeavesNoFile) {
  auto rate = MeasureSqliteInsertCeiling(dir_, 500, 100);
  ASSERT_TRUE(rate.ok()) << rate.status().ToString();
  EXPECT_GT(*rate, 0.0);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_FALSE(MeasureSqliteInsertCeiling(dir_, 0, 10).ok());
}

TEST(SqliteJsonTest, StringArraysRoundTripWithEscapes) {
  const std::vector<std::string> items = {"", "plain", "q\"uote", "back\\slash", "tab\tnl\n",
                                          "\x01", "caf\xc3\xa9"};
  const std::string text = EncodeJsonStringArray(items);
  EXPECT_EQ(DecodeJsonStringArray(text), items);
  EXPECT_EQ(EncodeJsonStringArray({}), "[]");
}

TEST(SqliteJsonTest, DecodesUnicodeEscapesAndRejectsJunk) {
  EXPECT_EQ(DecodeJsonStringArray(R"( [ "\u00e9" , "\ud83d\ude00", "\/" ] )"),
            (std::vector<std::string>{"\xc3\xa9", "\xf0\x9f\x98\x80", "/"}));
  EXPECT_EQ(DecodeJsonStringArray("[]"), std::vector<std::string>{});
  for (const char* bad : {"", "[", "[1]", "[\"a\",]", "[\"a\"] x", "{}", "[\"\\ud83d\"]"}) {
    EXPECT_EQ(DecodeJsonStringArray(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace conveyor::testing
