// WorkerPool: runs jobs in this process. Its parts, one per file:
//   Worker              — a thread that claims due jobs in batches sized by recent job times
//                         and runs them (worker.h);
//   JobExecutor         — one attempt: handler outcome/exception/timeout/cancel → store call;
//   CompletionCommitter — group-commits successes of all workers off their threads;
//   LeaseKeeper         — renews leases of held jobs, carries progress, cancel requests and
//                         timeouts to running handlers;
//   LeaseRescuer        — returns jobs whose lease expired (their process died) to the queue.
//
// No polling while idle: Notify() (called on submit) wakes a sleeping worker at once; otherwise
// workers sleep until the earliest run_at of a waiting job, or the rescue interval.
// Thread-safety: all public methods may be called from any thread. Start/Stop are idempotent;
// Stop() before Start() is fine.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class HandlerRegistry;

class WorkerPool {
 public:
  WorkerPool(Store& store, const HandlerRegistry& handlers, const Clock& clock,
             RuntimeConfig config);
  ~WorkerPool();

  void Start();
  // Two-phase: stop claiming and let running attempts finish within config.shutdown_grace_ms;
  // then flip the rest's cancellation (their jobs end as the handler returns). Jobs claimed but
  // not started are released back to PENDING (JobReleaseMany), costing no attempt.
  void Stop();

  // New work may be due now (a submit, a retry).
  void Notify();
  // A cancel request for a job this process may be running: flips its context at once.
  void CancelRunning(const std::string& job_id);

  struct Stats {
    int64_t completed = 0;
    int64_t failed_attempts = 0;
    int running = 0;
  };
  Stats GetStats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conveyor
