#include "json/json_text.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace conveyor {
namespace {

namespace json = boost::json;

std::string Text(std::string_view source) { return ToJsonText(json::parse(source)); }

TEST(JsonTextTest, DoublesInTheirShortestForm) {
  EXPECT_EQ(ToJsonText(json::value(6.25)), "6.25");
  EXPECT_EQ(ToJsonText(json::value(0.1)), "0.1");
  EXPECT_EQ(ToJsonText(json::value(-2.5)), "-2.5");
  EXPECT_EQ(ToJsonText(json::value(14.0)), "14.0");  // integral: still a float
  EXPECT_EQ(ToJsonText(json::value(0.0)), "0.0");
  EXPECT_EQ(ToJsonText(json::value(1e300)), "1e+300");
  EXPECT_EQ(ToJsonText(json::value(1.5e-7)), "1.5e-07");
  EXPECT_EQ(Text(R"({"a":[1,2.5,{"b":1E2}]})"), R"({"a":[1,2.5,{"b":100.0}]})");
}

TEST(JsonTextTest, EverythingButDoublesIsBoostJsonsText) {
  for (const char* source : {R"({"s":"a\"b\\c\n\u0001é","i":-3,"u":18446744073709551615,)"
                             R"("t":true,"f":false,"n":null,"e":{},"a":[]})",
                             R"([])", R"("x")", R"(42)", R"({"k\u0000":[[[]]]})"}) {
    const json::value v = json::parse(source);
    EXPECT_EQ(ToJsonText(v), json::serialize(v)) << source;
  }
  const json::object o = json::parse(R"({"z":1,"a":"b"})").as_object();
  EXPECT_EQ(ToJsonText(o), json::serialize(o));  // key order kept
}

TEST(JsonTextTest, EveryDoubleReadsBackTheSameAndStaysAFloat) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> bits;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t b = bits(rng);
    double d;
    std::memcpy(&d, &b, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string text = ToJsonText(json::value(d));
    // strtod reads exactly (Boost.JSON 1.81's own parser may be off by an ulp on such values).
    ASSERT_EQ(std::strtod(text.c_str(), nullptr), d) << text;
    ASSERT_NE(text.find_first_of(".e"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace conveyor
