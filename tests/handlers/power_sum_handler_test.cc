#include "handlers/power_sum_handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "handlers/handler_registry.h"
#include "test_context.h"

namespace conveyor {
namespace {

namespace json = boost::json;

Result<std::string> Square(const std::string& payload) {
  return PowerSumHandler(2).Compute(json::parse(payload));
}
Result<std::string> Cube(const std::string& payload) {
  return PowerSumHandler(3).Compute(json::parse(payload));
}
std::string Message(const Status& s) { return s.message(); }

TEST(PowerSumHandler, SquaresAndCubesExactIntegers) {
  EXPECT_EQ(*Square(R"({"data": [1, 2, 3]})"), "14");
  EXPECT_EQ(*Cube(R"({"data": [1, 2, 3]})"), "36");
  EXPECT_EQ(*Square(R"({"data": [-4]})"), "16");
  EXPECT_EQ(*Cube(R"({"data": [-2]})"), "-8");
}

TEST(PowerSumHandler, EmptyListSumsToZero) {
  EXPECT_EQ(*Square(R"({"data": []})"), "0");
  EXPECT_EQ(*Cube(R"({"data": []})"), "0");
}

TEST(PowerSumHandler, LargeIntegersStayExactUntilTheyOverflow) {
  // 3037000499^2 = 9223372030926249001 fits in int64.
  EXPECT_EQ(*Square(R"({"data": [3037000499]})"), "9223372030926249001");
  // 3037000500^2 overflows int64: the result switches to a double.
  Result<std::string> big = Square(R"({"data": [3037000500]})");
  ASSERT_TRUE(big.ok());
  EXPECT_NEAR(json::parse(*big).to_number<double>(), 9.22337203700025e18, 1e6);
  // The overflow can come from the sum, too; what was summed before is carried over.
  Result<std::string> sum = Square(R"({"data": [3037000499, 3037000499, 1]})");
  ASSERT_TRUE(sum.ok());
  EXPECT_NEAR(json::parse(*sum).to_number<double>(), 1.8446744061852498e19, 1e6);
}

TEST(PowerSumHandler, FloatsGiveAFloat) {
  EXPECT_EQ(json::parse(*Square(R"({"data": [1.5, 2]})")).to_number<double>(), 6.25);
}

TEST(PowerSumHandler, DoubleOverflowIsAnError) {
  Result<std::string> r = Cube(R"({"data": [1e200]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(PowerSumHandler, ValidationNamesTheField) {
  PowerSumHandler h(2);
  EXPECT_EQ(Message(h.ValidatePayload(json::parse(R"({"data": [1, "x", 3]})"))),
            "payload.data[1] must be a number");
  EXPECT_NE(Message(h.ValidatePayload(json::parse(R"({})"))).find("payload.data is required"),
            std::string::npos);
  EXPECT_NE(Message(h.ValidatePayload(json::parse(R"({"data": 5})"))).find("payload.data must be a list"),
            std::string::npos);
  EXPECT_NE(Message(h.ValidatePayload(json::parse(R"([1, 2])"))).find("payload must be a JSON object"),
            std::string::npos);
  EXPECT_EQ(Message(h.ValidatePayload(json::parse(R"({"data": [null]})"))),
            "payload.data[0] must be a number");
}

TEST(PowerSumHandler, NonFiniteNumbersAreRejected) {
  json::object payload;
  payload["data"] = json::array{1.0, std::numeric_limits<double>::infinity()};
  EXPECT_EQ(Message(PowerSumHandler(2).ValidatePayload(payload)), "payload.data[1] must be finite");
}

TEST(PowerSumHandler, AtMostAHundredThousandItems) {
  PowerSumHandler h(2);
  json::array items(kMaxPowerSumItems, json::value(1));
  EXPECT_TRUE(h.ValidatePayload(json::object{{"data", items}}).ok());
  items.push_back(1);
  Status s = h.ValidatePayload(json::object{{"data", std::move(items)}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("at most 100000 "), std::string::npos);
}

TEST(PowerSumHandler, RunParsesThePayloadOfTheJob) {
  PowerSumHandler h(2);
  TestContext ctx(R"({"data": [2, 3]})");
  EXPECT_EQ(*h.Run(ctx), "13");
  TestContext broken("{not json");
  EXPECT_EQ(h.Run(broken).status().code(), StatusCode::kInvalidArgument);
}

TEST(BuiltinHandlers, RegistersEveryBuiltinType) {
  HandlerRegistry registry;
  RegisterBuiltinHandlers(registry);
  EXPECT_EQ(registry.Types(),
            (std::vector<std::string>{"csv.correct", "csv.validate", "cube_sum",
                                      "document.pipeline", "email.send", "fail", "http.request",
                                      "noop", "sleep", "square_sum"}));
  EXPECT_EQ(registry.Find("square_sum")->type(), "square_sum");
  EXPECT_EQ(registry.Find("nope"), nullptr);
}

}  // namespace
}  // namespace conveyor
