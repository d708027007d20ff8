#include "runtime/maintenance/periodic_service.h"

#include <algorithm>

namespace conveyor {

PeriodicService::PeriodicService(std::chrono::milliseconds interval)
    : interval_(std::max(interval, std::chrono::milliseconds(1))) {}

PeriodicService::~PeriodicService() = default;

void PeriodicService::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopped_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    // thread_ is only set under mu_ by a Start() that saw stopped_ false, so from here on it
    // does not change, and only this call (the first Stop) reads it.
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  OnStopped();
}

bool PeriodicService::PauseOrStopped(std::chrono::milliseconds pause) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, pause, [&] { return stopped_; });
}

void PeriodicService::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    lock.unlock();
    RunOnce();
    const std::chrono::milliseconds wait = NextWait();
    lock.lock();
    cv_.wait_for(lock, wait, [&] { return stopped_; });
  }
}

}  // namespace conveyor
