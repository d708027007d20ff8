// Clock: the source of "now" for everything that decides by time (leases, backoff, scheduling).
// Injected so tests control time, also inside SQL (the store takes "now" in its params).
// SystemClock is thread-safe; ManualClock is thread-safe too (atomic).
#pragma once

#include <atomic>
#include <cstdint>

namespace conveyor {

using TimeMs = int64_t;  // milliseconds since the Unix epoch, UTC

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override;
  static SystemClock* Default();
};

// Test seam: time moves only when the test says so.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start) : now_(start) {}
  TimeMs NowMs() const override { return now_.load(); }
  void Set(TimeMs t) { now_.store(t); }
  void Advance(TimeMs d) { now_.fetch_add(d); }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace conveyor
