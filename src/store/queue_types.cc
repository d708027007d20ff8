#include "store/queue_types.h"

#include <algorithm>

namespace conveyor {

const char* RateLimitKindName(RateLimitKind k) {
  return k == RateLimitKind::kQueue ? "queue" : "type";
}

namespace {

TimeMs WindowOf(const RateLimit& l, TimeMs now) {
  const TimeMs period = std::max<TimeMs>(1, l.period_ms);
  return now - ((now % period) + period) % period;
}

}  // namespace

int64_t RateLimitRow::Budget(TimeMs now) const {
  const TimeMs window = WindowOf(limit, now);
  if (window_start > window) return 0;
  const int64_t spent = window_start == window ? used : 0;
  return std::max<int64_t>(0, limit.max_starts - spent);
}

TimeMs RateLimitRow::NextWindow(TimeMs now) const {
  return WindowOf(limit, now) + std::max<TimeMs>(1, limit.period_ms);
}

}  // namespace conveyor
