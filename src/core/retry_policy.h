// RetryPolicy: how long a failed attempt waits before the next one.
// Exponential backoff with full jitter: delay = uniform(0, min(cap, base * 2^(attempt-1))),
// with a floor so retries never spin. Value type; Delay() is thread-safe.
#pragma once

#include "core/clock.h"

namespace conveyor {

struct RetryPolicy {
  TimeMs base_ms = 1000;
  TimeMs cap_ms = 10 * 60 * 1000;
  TimeMs floor_ms = 10;

  // `attempt` is the attempt that just failed (1 for the first).
  TimeMs Delay(int attempt) const;
  // The upper bound of Delay(attempt), without jitter.
  TimeMs MaxDelay(int attempt) const;
};

}  // namespace conveyor
