#include "handlers/power_sum_handler.h"

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "json/json_text.h"

namespace conveyor {
namespace json = boost::json;

namespace {

// v^exp in int64, false on overflow.
bool IntPower(int64_t v, int exponent, int64_t* out) {
  int64_t r = 1;
  for (int i = 0; i < exponent; ++i) {
    if (__builtin_mul_overflow(r, v, &r)) return false;
  }
  *out = r;
  return true;
}

bool AsInt64(const json::value& v, int64_t* out) {
  if (v.is_int64()) {
    *out = v.get_int64();
    return true;
  }
  if (v.is_uint64() && v.get_uint64() <= uint64_t(std::numeric_limits<int64_t>::max())) {
    *out = int64_t(v.get_uint64());
    return true;
  }
  return false;
}

}  // namespace

PowerSumHandler::PowerSumHandler(int exponent) : exponent_(exponent) {}

std::string_view PowerSumHandler::type() const {
  return exponent_ == 2 ? "square_sum" : "cube_sum";
}

Status PowerSumHandler::ValidatePayload(const json::value& payload) const {
  const json::object* obj = payload.if_object();
  if (obj == nullptr) return Status::InvalidArgument("payload must be a JSON object with a \"data\" list of numbers");
  const json::value* data = obj->if_contains("data");
  if (data == nullptr) return Status::InvalidArgument("payload.data is required: a list of numbers, e.g. [1, 2, 3]");
  const json::array* items = data->if_array();
  if (items == nullptr) return Status::InvalidArgument("payload.data must be a list of numbers, e.g. [1, 2, 3]");
  if (items->size() > kMaxPowerSumItems)
    return Status::InvalidArgument("payload.data has " + std::to_string(items->size()) +
                                   " items; at most " + std::to_string(kMaxPowerSumItems) +
                                   " are allowed (split the list over several jobs)");
  for (size_t i = 0; i < items->size(); ++i) {
    const json::value& v = (*items)[i];
    if (!v.is_number())
      return Status::InvalidArgument("payload.data[" + std::to_string(i) + "] must be a number");
    if (v.is_double() && !std::isfinite(v.get_double()))
      return Status::InvalidArgument("payload.data[" + std::to_string(i) + "] must be finite");
  }
  return Status::Ok();
}

std::string_view PowerSumHandler::PayloadSchema() const {
  return R"({"type":"object","required":["data"],"properties":{"data":{"type":"array",)"
         R"("maxItems":100000,"items":{"type":"number"},"description":"the numbers to sum",)"
         R"("examples":[[1,2,3]]}}})";
}

Result<std::string> PowerSumHandler::Compute(const json::value& payload) const {
  if (Status s = ValidatePayload(payload); !s.ok()) return s;
  const json::array& items = payload.at("data").get_array();
  int64_t exact = 0;
  bool is_exact = true;
  double approx = 0;
  for (const json::value& v : items) {
    int64_t i, p, sum;
    if (is_exact && AsInt64(v, &i) && IntPower(i, exponent_, &p) &&
        !__builtin_add_overflow(exact, p, &sum)) {
      exact = sum;
      continue;
    }
    if (is_exact) {  // switch to double from here on, carrying what was summed so far
      approx = double(exact);
      is_exact = false;
    }
    approx += std::pow(v.to_number<double>(), exponent_);
  }
  if (is_exact) return std::to_string(exact);
  if (!std::isfinite(approx)) return Status::InvalidArgument("the sum overflows a double");
  return ToJsonText(json::value(approx));
}

Result<std::string> PowerSumHandler::Run(JobContext& ctx) {
  json::error_code ec;
  json::value payload = json::parse(ctx.job().payload, ec);
  if (ec) return Status::InvalidArgument("payload is not valid JSON: " + ec.message());
  return Compute(payload);
}

}  // namespace conveyor
