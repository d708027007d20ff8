#include "runtime/work/lease_keeper.h"

#include <algorithm>
#include <string>

#include "observability/log.h"

namespace conveyor {

namespace {

constexpr std::chrono::milliseconds kProgressEvery{1000};

}  // namespace

LeaseKeeper::LeaseKeeper(PoolShared& shared)
    : shared_(shared),
      beat_every_(std::max<TimeMs>(1, shared.config.lease_ms / 3)),
      tick_every_(std::min(beat_every_, kProgressEvery)) {}

LeaseKeeper::~LeaseKeeper() { Stop(); }

void LeaseKeeper::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void LeaseKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void LeaseKeeper::Poke() {
  if (!idle_.load()) return;  // already ticking
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_one();
}

void LeaseKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Tick();
    lock.lock();
    // Checked under mu_ after setting idle_, so a Poke() that raced with the check is seen.
    idle_.store(true);
    if (shared_.held.Empty()) {
      cv_.wait(lock, [&] { return stop_ || poked_ || !shared_.held.Empty(); });
    } else {
      cv_.wait_for(lock, tick_every_, [&] { return stop_; });
    }
    idle_.store(false);
    poked_ = false;
  }
}

void LeaseKeeper::Tick() {
  const auto now = std::chrono::steady_clock::now();
  for (const std::shared_ptr<Attempt>& a : shared_.held.Snapshot()) {
    if (!a->StoppedFor(Attempt::kTimedOut) && a->PastDeadline(now)) {
      a->Stop(Attempt::kTimedOut);
      log::Debug("job.timed_out", {{"job_id", a->id()}});
    }
    const bool beat_due = now - a->last_beat >= beat_every_;
    const bool progress_due = a->HasProgress() && now - a->last_beat >= kProgressEvery;
    if (beat_due || progress_due) Renew(*a, now);
  }
}

void LeaseKeeper::Renew(Attempt& a, std::chrono::steady_clock::time_point now) {
  JobHeartbeatParams p = a.TakeHeartbeat(shared_.clock.NowMs(), shared_.config.lease_ms);
  Result<HeartbeatOutcome> r = shared_.store.JobHeartbeat(p);
  if (r.ok()) {
    a.last_beat = now;
    if (r->cancel_requested) a.Stop(Attempt::kCancelRequested);
    return;
  }
  const StatusCode code = r.status().code();
  const bool lost = code == StatusCode::kConflict || code == StatusCode::kNotFound;
  // A job finished between the snapshot and the heartbeat has a stale token too: not news.
  if (lost && shared_.held.Contains(a.id())) {
    a.Stop(Attempt::kLeaseLost);
    log::Warn("job.lease_lost", {{"job_id", a.id()}, {"error", r.status().ToString()}});
  } else if (!lost) {
    // Try again on the next tick; the lease has two more beats of slack.
    log::Warn("job.heartbeat_failed", {{"job_id", a.id()}, {"error", r.status().ToString()}});
  }
}

}  // namespace conveyor
