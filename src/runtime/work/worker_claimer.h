// WorkerClaimer: claims jobs for the pool's idle workers and hands one to each, so a claimed job
// starts at once — RUNNING with started_at means a worker runs it — and no job waits in one
// worker's hands while another worker idles (Celery's prefetch problem).
//  - One thread claims, in one store call (lease owner "<node>/pool"), only while a worker is
//    idle and no claimed job waits: one job per idle worker while job times are unknown or slow;
//    when recent jobs were fast, what the workers run within kStartHorizon by the moving average
//    of job times (at most claim_batch), topped up when half of it was taken — one claim per
//    many short jobs, and no worker waits for a claim's round-trip.
//  - Claimed jobs wait in one shared hand-off queue; any idle worker takes the next one.
//  - A claimed job that no worker started within kStartBound (the workers all turned out busy
//    with longer jobs than their average) goes back to PENDING at no cost, and claims are one per
//    idle worker again until jobs run fast.
//  - With nothing to claim it sleeps on the pool's WakeSignal until Notify() (a submit, a retry,
//    a worker going idle while more may be due) or the earliest run_at of a waiting job (capped
//    by rescue_interval_ms and idle_poll_ms): no polling.
//  - Store errors never kill the thread: it logs, backs off (up to 1 s) and tries again.
// Thread-safety: NextJob() from worker threads; Start/Stop from the pool's thread. Stop() needs
// PoolShared::stop_claiming set and the WakeSignal shut down first; it releases what waits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/work/attempt.h"
#include "runtime/work/job_executor.h"
#include "runtime/work/pool_shared.h"

namespace conveyor {

class LeaseKeeper;

class WorkerClaimer {
 public:
  using Duration = std::chrono::steady_clock::duration;
  // A claim aims at jobs the idle workers start within this (judged by recent job times).
  static constexpr std::chrono::milliseconds kStartHorizon{20};
  // A claimed job not started within this is handed back.
  static constexpr std::chrono::milliseconds kStartBound{100};

  WorkerClaimer(PoolShared& shared, JobExecutor& executor, LeaseKeeper& keeper);
  ~WorkerClaimer();

  void Start();
  void Stop();

  // Called by an idle worker: `last` is how long its previous job took, if any. Blocks until a
  // claimed job is handed to it; nullptr once the pool stops claiming.
  std::shared_ptr<Attempt> NextJob(std::optional<Duration> last);

  int idle() const {
    std::lock_guard<std::mutex> lock(mu_);
    return idle_;
  }
  int64_t claims() const { return claims_.load(std::memory_order_relaxed); }
  int64_t handed_back() const { return handed_back_.load(std::memory_order_relaxed); }

 private:
  struct Waiting {
    std::shared_ptr<Attempt> attempt;
    std::chrono::steady_clock::time_point claimed_at;
  };

  void Loop();
  // How many jobs to claim now (0: none); REQUIRES: mu_ held.
  int WantLocked() const;
  // Jobs one worker starts within kStartHorizon by recent job times (1 when unknown or slow),
  // and what that makes for all workers, at most claim_batch; REQUIRES: mu_ held.
  int PerWorkerLocked() const;
  int TargetLocked() const;
  // Claims up to `want` jobs and queues them for the idle workers; after a short claim (the
  // store had no more) sleeps until new work or a due job.
  void ClaimAndHandOut(int want, uint64_t seen_epoch);
  void HandBackOverdue();
  void HandBack(std::vector<Waiting> jobs);
  void RecordJobTimeLocked(Duration d);
  void SleepUntilDue(uint64_t seen_epoch, TimeMs claimed_at);
  void BackOff(const Status& error);

  PoolShared& shared_;
  JobExecutor& executor_;
  LeaseKeeper& keeper_;
  const std::string owner_;

  mutable std::mutex mu_;
  std::condition_variable job_ready_;
  std::deque<Waiting> ready_;  // guarded by mu_; claimed, not started, oldest first
  int idle_ = 0;               // guarded by mu_; workers blocked in NextJob
  double avg_job_us_ = -1;     // guarded by mu_; moving average of job time; < 0 unknown
  bool maybe_more_ = true;     // guarded by mu_; the last claim was full or work was announced
  bool stopping_ = false;      // guarded by mu_

  int error_streak_ = 0;  // claimer thread only
  std::atomic<int64_t> claims_{0};
  std::atomic<int64_t> handed_back_{0};
  std::thread thread_;
};

}  // namespace conveyor
