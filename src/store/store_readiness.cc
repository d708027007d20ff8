#include "store/store_readiness.h"

#include <chrono>
#include <string>
#include <utility>

namespace conveyor {
namespace {

int64_t SteadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

StoreReadiness::StoreReadiness(NowMs now) : now_(now ? std::move(now) : NowMs(&SteadyNowMs)) {}

void StoreReadiness::SetProbe(Probe probe) {
  std::lock_guard<std::mutex> lock(mu_);
  probe_ = std::move(probe);
}

void StoreReadiness::RecordWrite(const Status& outcome) {
  const int64_t now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  last_ = outcome;
  last_at_ = now;
}

Status StoreReadiness::Check() {
  Probe probe;
  Status state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_();
    state = StateLocked(now);
    if (ShouldProbeLocked(now)) {
      probing_ = true;
      probe_started_at_ = now;
      probe = probe_;
    }
  }
  // Outside the lock: the probe may answer inline (a closing store), which takes the lock.
  if (probe) probe([this](const Status& s) { FinishProbe(s); });
  return state;
}

Status StoreReadiness::StateLocked(int64_t now) const {
  if (probing_ && now - *probe_started_at_ >= kProbeStuckMs) {
    return Status::Unavailable("a write to the store has not finished in " +
                               std::to_string((now - *probe_started_at_) / 1000) + " s");
  }
  if (!last_.has_value()) return Status::Unavailable("no write to the store has finished yet");
  if (!last_->ok())
    return Status::Unavailable("the last write to the store failed: " + last_->message());
  return Status::Ok();
}

bool StoreReadiness::ShouldProbeLocked(int64_t now) const {
  if (!probe_ || probing_) return false;
  if (probe_started_at_.has_value() && now - *probe_started_at_ < kProbeEveryMs) return false;
  return !last_.has_value() || !last_->ok() || now - last_at_ >= kFreshMs;
}

void StoreReadiness::FinishProbe(const Status& outcome) {
  RecordWrite(outcome);
  std::lock_guard<std::mutex> lock(mu_);
  probing_ = false;
}

}  // namespace conveyor
