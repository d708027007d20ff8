#include "runtime/maintenance/lease_rescuer.h"

#include <chrono>
#include <string>

#include "observability/log.h"

namespace conveyor {

namespace {

constexpr int kRescueLimit = 1000;

}  // namespace

LeaseRescuer::~LeaseRescuer() { Stop(); }

void LeaseRescuer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void LeaseRescuer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int LeaseRescuer::RescueOnce() {
  int total = 0;
  for (;;) {
    Result<std::vector<std::string>> r = shared_.store.JobRescueExpired(
        {.now = shared_.clock.NowMs(),
         .limit = kRescueLimit,
         .retry_delay_ms = shared_.config.retry.Delay(1)});
    if (!r.ok()) {
      log::Warn("lease.rescue_failed", {{"error", r.status().ToString()}});
      break;
    }
    for (const std::string& id : *r) log::Info("job.lease_expired", {{"job_id", id}});
    total += static_cast<int>(r->size());
    if (static_cast<int>(r->size()) < kRescueLimit) break;  // more may wait when the page was full
  }
  if (total > 0) shared_.wake.Notify();
  return total;
}

bool LeaseRescuer::IsLeader() {
  Result<bool> r = shared_.store.LeaderTryAcquire();
  if (!r.ok()) {
    if (!leader_error_) {
      log::Warn("leadership.unknown", {{"node", shared_.config.node_name},
                                       {"error", r.status().ToString()},
                                       {"action", "rescuing expired leases anyway"}});
    }
    leader_error_ = true;
    return true;
  }
  leader_error_ = false;
  if (*r != leader_) {
    log::Info(*r ? "leadership.acquired" : "leadership.lost",
              {{"node", shared_.config.node_name}});
  }
  leader_ = *r;
  return leader_;
}

void LeaseRescuer::Loop() {
  const auto every = std::chrono::milliseconds(std::max<TimeMs>(1, shared_.config.rescue_interval_ms));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (IsLeader()) RescueOnce();
    lock.lock();
    cv_.wait_for(lock, every, [&] { return stop_; });
  }
}

}  // namespace conveyor
