#include "observability/job_history.h"

#include <algorithm>

namespace conveyor::observability {

JobHistory& JobHistory::Global() {
  static JobHistory history;
  return history;
}

void JobHistory::Count(JobEventKind kind, TimeMs now) {
  const int64_t minute = now / kMinuteMs;
  Slot& slot = slots_[static_cast<size_t>(minute % kMinutes)];
  if (slot.minute.load(std::memory_order_acquire) != minute) {
    std::lock_guard lock(roll_mu_);
    // A slot only moves forward: a late count for a minute a day old is dropped, not mixed in.
    const int64_t held = slot.minute.load(std::memory_order_relaxed);
    if (held > minute) return;
    if (held != minute) {
      for (auto& c : slot.counts) c.store(0, std::memory_order_relaxed);
      slot.minute.store(minute, std::memory_order_release);
    }
  }
  slot.counts[static_cast<size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
}

std::vector<JobHistory::Bucket> JobHistory::Read(int minutes, TimeMs now) const {
  minutes = std::clamp(minutes, 1, kMinutes);
  const int64_t last = now / kMinuteMs;
  std::vector<Bucket> out;
  out.reserve(static_cast<size_t>(minutes));
  for (int64_t m = last - minutes + 1; m <= last; ++m) {
    Bucket b{.at = m * kMinuteMs};
    const Slot& slot = slots_[static_cast<size_t>(m % kMinutes)];
    if (slot.minute.load(std::memory_order_acquire) == m) {
      for (size_t k = 0; k < b.counts.size(); ++k) {
        b.counts[k] = slot.counts[k].load(std::memory_order_relaxed);
      }
    }
    out.push_back(b);
  }
  return out;
}

}  // namespace conveyor::observability
