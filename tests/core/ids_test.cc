#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace conveyor {
namespace {

TEST(IdsTest, UuidV7HasVersionVariantAndTimePrefix) {
  const std::string id = NewUuidV7(0x0190A1B2C3D4);
  ASSERT_TRUE(IsValidUuid(id)) << id;
  EXPECT_EQ(id.substr(0, 13), "0190a1b2-c3d4");
  EXPECT_EQ(id[14], '7');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
}

TEST(IdsTest, UuidV7IsStrictlyIncreasingWithinAMillisecond) {
  std::string prev = NewUuidV7(1000);
  for (int i = 0; i < 10000; ++i) {
    std::string next = NewUuidV7(1000);
    ASSERT_LT(prev, next);
    prev = next;
  }
}

TEST(IdsTest, UuidV7NeverGoesBackwardsWhenTheClockDoes) {
  const std::string later = NewUuidV7(5'000'000);
  EXPECT_LT(later, NewUuidV7(4'000'000));
}

TEST(IdsTest, UuidV7IsUniqueAcrossThreads) {
  std::vector<std::vector<std::string>> per(4);
  std::vector<std::thread> threads;
  for (auto& out : per)
    threads.emplace_back([&out] {
      for (int i = 0; i < 5000; ++i) out.push_back(NewUuidV7(123456789));
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& out : per) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 20000u);
}

TEST(IdsTest, ValidatesUuidShape) {
  EXPECT_TRUE(IsValidUuid("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_TRUE(IsValidUuid("550E8400-E29B-41D4-A716-446655440000"));
  EXPECT_FALSE(IsValidUuid("1"));
  EXPECT_FALSE(IsValidUuid("550e8400e29b41d4a716446655440000"));
  EXPECT_FALSE(IsValidUuid("550e8400-e29b-41d4-a716-44665544000g"));
  EXPECT_FALSE(IsValidUuid("550e8400-e29b-41d4-a716-4466554400000"));
}

TEST(IdsTest, TokensAreRandomHex) {
  const std::string a = NewToken(), b = NewToken();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(IdsTest, FingerprintIsStableAndSensitive) {
  EXPECT_EQ(Fingerprint(""), "cbf29ce484222325");  // FNV-1a 64 offset basis
  EXPECT_EQ(Fingerprint("a"), "af63dc4c8601ec8c");
  EXPECT_NE(Fingerprint("{\"data\":[1,2]}"), Fingerprint("{\"data\":[1,3]}"));
}

}  // namespace
}  // namespace conveyor
