#include "runtime/work/wake_signal.h"

namespace conveyor {

void WakeSignal::Notify() {
  // Sequentially consistent on both sides (here and in WaitUntil): either we see the sleeper and
  // notify under the lock, or the sleeper sees our epoch before it blocks.
  epoch_.fetch_add(1);
  if (sleepers_.load() == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_one();
}

void WakeSignal::Shutdown() {
  shutdown_.store(true);
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

bool WakeSignal::WaitUntil(uint64_t seen, SteadyTime deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  sleepers_.fetch_add(1);
  const bool woken = cv_.wait_until(lock, deadline, [&] {
    return epoch_.load() != seen || shutdown_.load();
  });
  sleepers_.fetch_sub(1);
  return woken;
}

}  // namespace conveyor
