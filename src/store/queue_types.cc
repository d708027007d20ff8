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

std::optional<TimeMs> QueueRetention::Of(JobState state) const {
  switch (state) {
    case JobState::kSucceeded:
      return succeeded_ms;
    case JobState::kFailed:
      return failed_ms;
    case JobState::kCancelled:
      return cancelled_ms;
    case JobState::kExpired:
      return expired_ms;
    default:
      return std::nullopt;
  }
}

void QueueRetentionPatch::ApplyTo(QueueRetention& r) const {
  if (succeeded_ms) r.succeeded_ms = *succeeded_ms;
  if (failed_ms) r.failed_ms = *failed_ms;
  if (cancelled_ms) r.cancelled_ms = *cancelled_ms;
  if (expired_ms) r.expired_ms = *expired_ms;
}

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
