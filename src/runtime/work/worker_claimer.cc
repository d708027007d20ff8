#include "runtime/work/worker_claimer.h"

#include <algorithm>
#include <string>
#include <utility>

#include "observability/log.h"
#include "runtime/job_transitions.h"
#include "runtime/work/lease_keeper.h"

namespace conveyor {

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A job slower than this makes claims one job per idle worker at once, not after the average
// has caught up with it.
constexpr milliseconds kSlowJob{50};

double Micros(SteadyClock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace

WorkerClaimer::WorkerClaimer(PoolShared& shared, JobExecutor& executor, LeaseKeeper& keeper)
    : shared_(shared),
      executor_(executor),
      keeper_(keeper),
      owner_(shared.config.node_name + "/pool") {}

WorkerClaimer::~WorkerClaimer() { Stop(); }

void WorkerClaimer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WorkerClaimer::Stop() {
  shared_.stop_claiming.store(true);
  shared_.wake.Shutdown();
  if (thread_.joinable()) thread_.join();
  std::vector<Waiting> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    left.assign(std::make_move_iterator(ready_.begin()), std::make_move_iterator(ready_.end()));
    ready_.clear();
  }
  job_ready_.notify_all();
  // Claimed but never started: back to PENDING, costing no attempt.
  HandBack(std::move(left));
}

std::shared_ptr<Attempt> WorkerClaimer::NextJob(std::optional<Duration> last) {
  std::unique_lock<std::mutex> lock(mu_);
  if (last) RecordJobTimeLocked(*last);
  ++idle_;
  // A claim is due: the job just run may have left a retry due soon, and more may wait.
  if (ready_.empty()) shared_.wake.Notify();
  job_ready_.wait(lock,
                  [&] { return stopping_ || shared_.stop_claiming.load() || !ready_.empty(); });
  --idle_;
  // Stopping: what waits is released by Stop(), not started.
  if (stopping_ || shared_.stop_claiming.load()) return nullptr;
  std::shared_ptr<Attempt> next = std::move(ready_.front().attempt);
  ready_.pop_front();
  // Short jobs: the queue just fell to half its target, time to top it up.
  if (maybe_more_ && PerWorkerLocked() > 1 &&
      static_cast<int>(ready_.size()) == TargetLocked() / 2) {
    shared_.wake.Notify();
  }
  return next;
}

void WorkerClaimer::Loop() {
  while (!shared_.stop_claiming.load()) {
    const uint64_t seen = shared_.wake.Epoch();
    HandBackOverdue();
    int want = 0;
    auto deadline =
        SteadyClock::now() + milliseconds(std::max<TimeMs>(1, shared_.config.rescue_interval_ms));
    {
      std::lock_guard<std::mutex> lock(mu_);
      want = WantLocked();
      if (!ready_.empty()) deadline = std::min(deadline, ready_.front().claimed_at + kStartBound);
    }
    if (want > 0) {
      ClaimAndHandOut(want, seen);
      continue;
    }
    // Every worker busy (or fed): wait for one to go idle, new work, or a job to hand back.
    shared_.wake.WaitUntil(seen, deadline);
  }
}

int WorkerClaimer::PerWorkerLocked() const {
  const int cap = std::max(1, shared_.config.claim_batch);
  if (avg_job_us_ < 0) return 1;  // unknown job times: one each
  const double fit = Micros(kStartHorizon) / std::max(avg_job_us_, 1.0);
  return static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(cap)));
}

int WorkerClaimer::TargetLocked() const {
  const int cap = std::max(1, shared_.config.claim_batch);
  return std::min<int64_t>(cap, int64_t{PerWorkerLocked()} * shared_.config.workers);
}

int WorkerClaimer::WantLocked() const {
  if (!maybe_more_) return 0;
  const int queued = static_cast<int>(ready_.size());
  if (PerWorkerLocked() == 1) return std::max(0, idle_ - queued);
  // Short jobs: keep about kStartHorizon of work queued for all workers, topped up once half of
  // it has been taken, so workers never wait for a claim's round-trip.
  const int target = TargetLocked();
  if (queued > target / 2 && idle_ == 0) return 0;
  return std::max(0, target - queued);
}

void WorkerClaimer::ClaimAndHandOut(int want, uint64_t seen_epoch) {
  const TimeMs now = shared_.clock.NowMs();
  Result<std::vector<Job>> claimed = shared_.store.JobClaim({.worker_id = owner_,
                                                             .max = want,
                                                             .now = now,
                                                             .lease_ms = shared_.config.lease_ms,
                                                             .types = shared_.types,
                                                             .queues = shared_.config.queues});
  if (!claimed.ok()) return BackOff(claimed.status());
  error_streak_ = 0;
  const bool short_claim = static_cast<int>(claimed->size()) < want;
  if (!claimed->empty()) {
    PublishStarted(*claimed);
    claims_.fetch_add(1, std::memory_order_relaxed);
    const auto claimed_at = SteadyClock::now();
    std::vector<std::shared_ptr<Attempt>> attempts;
    attempts.reserve(claimed->size());
    for (Job& job : *claimed)
      attempts.push_back(std::make_shared<Attempt>(std::move(job), claimed_at));
    shared_.held.Add(attempts);
    keeper_.Poke();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& a : attempts) ready_.push_back({std::move(a), claimed_at});
      if (short_claim) maybe_more_ = false;
    }
    job_ready_.notify_all();
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    maybe_more_ = false;
  }
  if (!short_claim) return;
  SleepUntilDue(seen_epoch, now);
  // Woken by new work, a due job or the cap: look again.
  std::lock_guard<std::mutex> lock(mu_);
  maybe_more_ = true;
}

void WorkerClaimer::HandBackOverdue() {
  std::vector<Waiting> overdue;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = SteadyClock::now();
    while (!ready_.empty() && now - ready_.front().claimed_at >= kStartBound) {
      overdue.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
    if (overdue.empty()) return;
    // The average promised short jobs and the workers are still busy: one job per idle worker
    // until jobs run fast again. The store holds these jobs again.
    avg_job_us_ = std::max(avg_job_us_, Micros(kStartBound));
    maybe_more_ = true;
  }
  handed_back_.fetch_add(static_cast<int64_t>(overdue.size()), std::memory_order_relaxed);
  log::Debug("workers.handed_back", {{"jobs", std::to_string(overdue.size())}});
  HandBack(std::move(overdue));
}

void WorkerClaimer::HandBack(std::vector<Waiting> jobs) {
  if (jobs.empty()) return;
  std::vector<const Attempt*> attempts;
  attempts.reserve(jobs.size());
  for (const Waiting& w : jobs) attempts.push_back(w.attempt.get());
  executor_.ReleaseMany(attempts);
}

void WorkerClaimer::RecordJobTimeLocked(Duration d) {
  const double us = Micros(d);
  avg_job_us_ = avg_job_us_ < 0 ? us : 0.8 * avg_job_us_ + 0.2 * us;
  if (d > kSlowJob) avg_job_us_ = std::max(avg_job_us_, us);
}

void WorkerClaimer::SleepUntilDue(uint64_t seen_epoch, TimeMs claimed_at) {
  const auto now = SteadyClock::now();
  auto deadline = now + milliseconds(std::max<TimeMs>(1, shared_.config.rescue_interval_ms));
  if (shared_.config.idle_poll_ms > 0) {
    deadline = std::min(deadline, now + milliseconds(shared_.config.idle_poll_ms));
  }
  Result<std::optional<TimeMs>> next = shared_.store.JobNextRunAt();
  if (next.ok() && next->has_value()) {
    // Due at claim time yet not claimed: another node took it, or no handler here serves it.
    // Either way there is nothing for us until a Notify() or the cap.
    if (**next > claimed_at) {
      const TimeMs wait_ms = std::max<TimeMs>(1, **next - shared_.clock.NowMs());
      deadline = std::min(deadline, now + milliseconds(wait_ms));
    }
  } else if (!next.ok()) {
    log::Warn("worker.next_run_at_failed",
              {{"worker", owner_}, {"error", next.status().ToString()}});
  }
  // Due work held back by a limit (a queue at its concurrency limit, a spent rate window): look
  // again when it may have freed up.
  if (std::optional<TimeMs> held = shared_.store.JobClaimHeldUntil()) {
    const TimeMs wait_ms = std::max<TimeMs>(1, *held - shared_.clock.NowMs());
    deadline = std::min(deadline, now + milliseconds(wait_ms));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ready_.empty()) deadline = std::min(deadline, ready_.front().claimed_at + kStartBound);
  }
  shared_.wake.WaitUntil(seen_epoch, deadline);
}

void WorkerClaimer::BackOff(const Status& error) {
  log::Warn("worker.claim_failed", {{"worker", owner_}, {"error", error.ToString()}});
  error_streak_ = std::min(error_streak_ + 1, 7);
  const auto pause = milliseconds(std::min<TimeMs>(1000, 10L << error_streak_));
  // A Notify() or Shutdown() ends the pause early; both are reasons to look again.
  shared_.wake.WaitUntil(shared_.wake.Epoch(), SteadyClock::now() + pause);
}

}  // namespace conveyor
