// Worker: one thread that claims due jobs in batches and runs them one after another.
//  - Claims several jobs per store round-trip (worker id "<node>/w<i>"): about 100 ms of work
//    judged by a moving average of recent job times, at most claim_batch. After a job that took
//    more than 50 ms, or once a batch has run for 200 ms, the rest of the batch is released
//    (costing no attempt) and a peer is woken; after a slow job every worker claims one job at a
//    time (PoolShared::slow_jobs) until a batch runs fast again. So a claimed job never waits
//    long behind others while a peer could run it.
//  - Successes go to the CompletionCommitter, which commits them in the background together with
//    other workers' (one JobCompleteMany for many jobs); failures are written at once.
//  - With nothing to claim it sleeps on the pool's WakeSignal until Notify() or the earliest
//    run_at of a waiting job (capped by rescue_interval_ms): no polling.
//  - A full batch wakes one sleeping peer: there is probably more work.
//  - Store errors never kill the thread: it logs, backs off (up to 1 s) and tries again.
// Thread-safety: Start/Join from the pool's thread; the loop runs on its own thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/job_executor.h"
#include "runtime/pool_shared.h"

namespace conveyor {

class CompletionCommitter;
class LeaseKeeper;

class Worker {
 public:
  // `on_exit` runs on the worker's thread when its loop ends.
  Worker(PoolShared& shared, JobExecutor& executor, CompletionCommitter& committer,
         LeaseKeeper& keeper, int index, std::function<void()> on_exit);
  ~Worker();

  void Start();
  // Returns when the loop ended (after PoolShared::stop_claiming and the batch in hand).
  void Join();

 private:
  void Loop();
  // Runs a claimed batch; true when one of its jobs was slow.
  bool RunBatch(std::vector<Job> jobs);
  void SleepUntilDue(uint64_t seen_epoch, TimeMs claimed_at);
  void BackOff(const Status& error);

  PoolShared& shared_;
  JobExecutor& executor_;
  CompletionCommitter& committer_;
  LeaseKeeper& keeper_;
  const std::string id_;
  const std::function<void()> on_exit_;
  int NextBatchSize() const;
  void RecordJobTime(std::chrono::steady_clock::duration d);

  int error_streak_ = 0;
  double avg_job_us_ = -1;  // moving average of job wall time; < 0 until the first job
  std::thread thread_;
};

}  // namespace conveyor
