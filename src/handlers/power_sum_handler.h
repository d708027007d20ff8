// square_sum and cube_sum (seeds 001 and 004): payload {"data": [numbers]} → the sum of the
// squares or cubes. Exact 64-bit integer arithmetic while every item is an integer and no step
// overflows; IEEE double otherwise (the result is then a JSON float). Stateless, thread-safe.
#pragma once

#include "handlers/handler.h"

namespace conveyor {

// Reachable under the default 1 MiB body limit even with 9-digit numbers ("123456789," is 10
// bytes); a larger list belongs in several jobs (issue 8: the documented million never fit).
inline constexpr size_t kMaxPowerSumItems = 100'000;

class PowerSumHandler final : public Handler {
 public:
  // exponent 2 → "square_sum", 3 → "cube_sum".
  explicit PowerSumHandler(int exponent);
  std::string_view type() const override;
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;

  // The sum as JSON text; exposed for tests.
  Result<std::string> Compute(const boost::json::value& payload) const;

 private:
  int exponent_;
};

}  // namespace conveyor
