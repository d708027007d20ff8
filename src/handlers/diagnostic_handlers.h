// Diagnostic job types used by tests, the benchmark and the docs:
//   noop  — does nothing; result {"started_at_us": <system clock µs when the handler started>}
//           so the benchmark can measure submit→start latency.
//   sleep — payload {"seconds": x}, 0..3600, fractional allowed; sleeps cooperatively, checking
//           cancellation every ≤ 20 ms; result {"slept_s": x}.
//   fail  — payload {"times": n, "retryable": bool, "message": "..."}; fails while
//           job.attempt <= times (always when times is absent), then succeeds with
//           {"attempts": attempt}. Shows retries, backoff and dead-lettering.
// All three are stateless and thread-safe.
#pragma once

#include "handlers/handler.h"

namespace conveyor {

inline constexpr double kMaxSleepSeconds = 3600;

// noop takes any object: Handler's default PayloadSchema.
class NoopHandler final : public Handler {
 public:
  std::string_view type() const override { return "noop"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  Result<std::string> Run(JobContext& ctx) override;
};

class SleepHandler final : public Handler {
 public:
  std::string_view type() const override { return "sleep"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;
};

class FailHandler final : public Handler {
 public:
  std::string_view type() const override { return "fail"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;
};

}  // namespace conveyor
