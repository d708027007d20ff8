#include "runtime/worker.h"

#include <algorithm>
#include <utility>

#include "observability/log.h"
#include "runtime/completion_committer.h"
#include "runtime/lease_keeper.h"

namespace conveyor {

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A job slower than this ends its batch early and makes workers claim one job at a time.
constexpr milliseconds kSlowJob{50};
// How much work (by recent job times) one claim aims for; and the point where a batch that
// overran it hands its unstarted jobs back.
constexpr milliseconds kBatchWork{100};
constexpr milliseconds kBatchOverrun{200};

}  // namespace

Worker::Worker(PoolShared& shared, JobExecutor& executor, CompletionCommitter& committer,
               LeaseKeeper& keeper, int index, std::function<void()> on_exit)
    : shared_(shared),
      executor_(executor),
      committer_(committer),
      keeper_(keeper),
      id_(shared.config.node_name + "/w" + std::to_string(index)),
      on_exit_(std::move(on_exit)) {}

Worker::~Worker() { Join(); }

void Worker::Start() { thread_ = std::thread([this] { Loop(); }); }

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Loop() {
  while (!shared_.stop_claiming.load()) {
    const int batch = NextBatchSize();
    const uint64_t seen = shared_.wake.Epoch();
    const TimeMs now = shared_.clock.NowMs();
    Result<std::vector<Job>> claimed = shared_.store.JobClaim({.worker_id = id_,
                                                               .max = batch,
                                                               .now = now,
                                                               .lease_ms = shared_.config.lease_ms,
                                                               .types = shared_.types});
    if (!claimed.ok()) {
      BackOff(claimed.status());
      continue;
    }
    error_streak_ = 0;
    if (claimed->empty()) {
      SleepUntilDue(seen, now);
      continue;
    }
    if (static_cast<int>(claimed->size()) == batch) shared_.wake.Notify();
    const bool slow = RunBatch(std::move(claimed).value());
    if (slow != shared_.slow_jobs.load(std::memory_order_relaxed)) shared_.slow_jobs.store(slow);
  }
  if (on_exit_) on_exit_();
}

bool Worker::RunBatch(std::vector<Job> jobs) {
  const auto claimed_at = SteadyClock::now();
  std::vector<std::shared_ptr<Attempt>> attempts;
  attempts.reserve(jobs.size());
  for (Job& job : jobs) attempts.push_back(std::make_shared<Attempt>(std::move(job), claimed_at));
  shared_.held.Add(attempts);
  keeper_.Poke();

  size_t ran = 0;
  bool slow = false;
  bool overran = false;
  while (ran < attempts.size() && !slow && !overran && !shared_.stop_claiming.load()) {
    const auto started = SteadyClock::now();
    std::optional<JobCompletion> c = executor_.Run(*attempts[ran]);
    if (c) committer_.Add(attempts[ran], std::move(*c));
    const auto now = SteadyClock::now();
    RecordJobTime(now - started);
    slow = now - started > kSlowJob;
    overran = now - claimed_at > kBatchOverrun;
    ++ran;
  }
  // Stopping, or the batch turned out slow: jobs claimed but never started go back to the queue
  // at no cost, where an idle peer (woken here) can take them.
  std::vector<const Attempt*> unstarted;
  for (size_t i = ran; i < attempts.size(); ++i) unstarted.push_back(attempts[i].get());
  if (unstarted.empty()) return slow;
  if (slow) shared_.slow_jobs.store(true);
  executor_.ReleaseMany(unstarted);
  shared_.wake.Notify();
  return slow;
}

int Worker::NextBatchSize() const {
  const int cap = std::max(1, shared_.config.claim_batch);
  if (shared_.slow_jobs.load(std::memory_order_relaxed)) return 1;
  if (avg_job_us_ < 0) return cap;
  const double fit = std::chrono::duration<double, std::micro>(kBatchWork).count() /
                     std::max(avg_job_us_, 1.0);
  return static_cast<int>(std::clamp(fit, 1.0, static_cast<double>(cap)));
}

void Worker::RecordJobTime(SteadyClock::duration d) {
  const double us = std::chrono::duration<double, std::micro>(d).count();
  avg_job_us_ = avg_job_us_ < 0 ? us : 0.8 * avg_job_us_ + 0.2 * us;
}

void Worker::SleepUntilDue(uint64_t seen_epoch, TimeMs claimed_at) {
  const auto now = SteadyClock::now();
  auto deadline = now + milliseconds(std::max<TimeMs>(1, shared_.config.rescue_interval_ms));
  if (shared_.config.idle_poll_ms > 0) {
    deadline = std::min(deadline, now + milliseconds(shared_.config.idle_poll_ms));
  }
  Result<std::optional<TimeMs>> next = shared_.store.JobNextRunAt();
  if (next.ok() && next->has_value()) {
    // Due at claim time yet not claimed: another worker took it, or no handler here serves it.
    // Either way there is nothing for us until a Notify() or the cap.
    if (**next > claimed_at) {
      const TimeMs wait_ms = std::max<TimeMs>(1, **next - shared_.clock.NowMs());
      deadline = std::min(deadline, now + milliseconds(wait_ms));
    }
  } else if (!next.ok()) {
    log::Warn("worker.next_run_at_failed", {{"worker", id_}, {"error", next.status().ToString()}});
  }
  shared_.wake.WaitUntil(seen_epoch, deadline);
}

void Worker::BackOff(const Status& error) {
  log::Warn("worker.claim_failed", {{"worker", id_}, {"error", error.ToString()}});
  error_streak_ = std::min(error_streak_ + 1, 7);
  const auto pause = milliseconds(std::min<TimeMs>(1000, 10L << error_streak_));
  // A Notify() or Shutdown() ends the pause early; both are reasons to look again.
  shared_.wake.WaitUntil(shared_.wake.Epoch(), SteadyClock::now() + pause);
}

}  // namespace conveyor
