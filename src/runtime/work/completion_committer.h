// CompletionCommitter: commits the pool's successful attempts in the background, so a worker
// goes straight on to its next job or claim instead of waiting for an fsync. Successes from all
// workers that arrive while one commit is in flight go out together in the next JobCompleteMany
// (group commit at the runtime level; at most kMaxPerCommit per call). The attempts stay held —
// their leases renewed — until committed. Add() blocks while kMaxQueued successes wait, which
// bounds memory when the store is slower than the handlers.
// Start/Stop are idempotent; Stop() commits everything queued, then returns.
// Thread-safety: Add() from any worker thread; Start/Stop from the pool's thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/work/attempt.h"
#include "runtime/work/job_executor.h"

namespace conveyor {

class CompletionCommitter {
 public:
  static constexpr size_t kMaxPerCommit = 1000;
  static constexpr size_t kMaxQueued = 8192;

  explicit CompletionCommitter(JobExecutor& executor) : executor_(executor) {}
  ~CompletionCommitter();

  void Start();
  void Stop();
  void Add(std::shared_ptr<Attempt> attempt, JobCompletion completion);

 private:
  void Loop();

  JobExecutor& executor_;
  std::mutex mu_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::vector<std::shared_ptr<Attempt>> attempts_;  // guarded by mu_
  std::vector<JobCompletion> completions_;          // guarded by mu_; completions_[i] is attempts_[i]'s
  bool stop_ = false;                               // guarded by mu_
  std::thread thread_;
};

}  // namespace conveyor
