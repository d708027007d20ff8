// WorkerPool: runs jobs in this process. Its parts, one per file:
//   WorkerClaimer       — claims for idle workers only, one store call for all of them, and
//                         hands one job to each: a claimed job starts at once (worker_claimer.h);
//   Worker              — a thread that runs the jobs handed to it, one at a time (worker.h);
//   JobExecutor         — one attempt: handler outcome/exception/timeout/cancel → store call;
//   CompletionCommitter — group-commits successes of all workers off their threads;
//   LeaseKeeper         — renews leases of held jobs, carries progress, cancel requests and
//                         timeouts to running handlers.
// Jobs whose lease expired (their process died) come back through the LeaseRescuer, which is
// maintenance (runtime/maintenance/maintenance.h), run by every node with or without a pool:
// it calls Notify() after a rescue.
//
// No polling while idle: Notify() (called on submit) wakes the claimer at once; otherwise
// it sleeps until the earliest run_at of a waiting job, or the rescue interval.
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
    int workers = 0;          // worker threads configured
    int64_t completed = 0;
    int64_t failed_attempts = 0;
    int running = 0;
    int idle = 0;             // workers waiting for a job
    int64_t claims = 0;       // store claims that returned jobs
    int64_t handed_back = 0;  // claimed jobs released unstarted because every worker stayed busy
  };
  Stats GetStats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conveyor
