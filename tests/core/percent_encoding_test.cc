// PercentEncode: what the CLI puts in paths and queries, and what RedactSecrets looks for.
#include "core/percent_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace conveyor {
namespace {

TEST(PercentEncodeTest, KeepsUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncodeTest, EncodesEverythingElseInUpperCaseHex) {
  EXPECT_EQ(PercentEncode("a b/c?d=e&f#g%"), "a%20b%2Fc%3Fd%3De%26f%23g%25");
  EXPECT_EQ(PercentEncode("p@ss:w+rd"), "p%40ss%3Aw%2Brd");
  EXPECT_EQ(PercentEncode(std::string("\x00\x7f", 2)), "%00%7F");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");  // é, byte by byte
}

}  // namespace
}  // namespace conveyor
