#include "core/retry_policy.h"

#include <algorithm>
#include <random>

namespace conveyor {

TimeMs RetryPolicy::MaxDelay(int attempt) const {
  TimeMs d = std::max<TimeMs>(base_ms, 0);
  for (int i = 1; i < attempt && d < cap_ms; ++i) d *= 2;
  return std::max(floor_ms, std::min(d, cap_ms));
}

TimeMs RetryPolicy::Delay(int attempt) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const TimeMs hi = MaxDelay(attempt);
  std::uniform_int_distribution<TimeMs> dist(std::min(floor_ms, hi), hi);
  return dist(rng);
}

}  // namespace conveyor
