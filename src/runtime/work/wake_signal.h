// WakeSignal: how submitters wake idle workers without anyone polling. Notify() is the hot path
// (every submit): one atomic increment, plus a lock and notify_one only when a worker sleeps.
// A waiter passes the epoch it read *before* looking for work, so a Notify() that lands between
// "found nothing" and "went to sleep" is never lost.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace conveyor {

class WakeSignal {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  uint64_t Epoch() const { return epoch_.load(); }
  // Wakes one sleeping waiter (or makes the next Wait return at once).
  void Notify();
  // Wakes every waiter now and for good; Wait returns at once afterwards.
  void Shutdown();
  bool IsShutdown() const { return shutdown_.load(); }
  // Returns when the epoch moved past `seen`, at `deadline`, or on Shutdown(). True when woken
  // by Notify/Shutdown rather than the deadline.
  bool WaitUntil(uint64_t seen, SteadyTime deadline);

 private:
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> shutdown_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace conveyor
