// JsonWriter's numbers: Number() writes whole values as integers and fractions in shortest
// round-trip form (the progress of a job), Float() always with a fraction (a client reads a float).
#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace conveyor::api {
namespace {

std::string Number(double v) {
  std::string out;
  JsonWriter(&out).Number(v);
  return out;
}

std::string Float(double v) {
  std::string out;
  JsonWriter(&out).Float(v);
  return out;
}

TEST(JsonWriterNumberTest, ProgressIsAnIntegerWhenWholeAndShortestOtherwise) {
  EXPECT_EQ(Number(0), "0");
  EXPECT_EQ(Number(100), "100");
  EXPECT_EQ(Number(65.5), "65.5");
  EXPECT_EQ(Number(0.1), "0.1");
  EXPECT_EQ(Number(99.875), "99.875");
  EXPECT_EQ(Number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(Number(-2), "-2");
  EXPECT_EQ(Number(1e300), "1e+300");  // beyond int64: not an integer, never exponent-E form
}

TEST(JsonWriterNumberTest, FloatKeepsAFraction) {
  EXPECT_EQ(Float(3), "3.0");
  EXPECT_EQ(Float(2.5), "2.5");
  EXPECT_EQ(Float(0), "0.0");
}

TEST(JsonWriterNumberTest, NonFiniteValuesAreNullSoTheBodyStaysJson) {
  EXPECT_EQ(Number(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(Number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(Float(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriterNumberTest, NumbersAreSeparatedLikeOtherValues) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray().Number(1).Number(1.5).Float(2).EndArray();
  EXPECT_EQ(out, "[1,1.5,2.0]");
}

}  // namespace
}  // namespace conveyor::api
