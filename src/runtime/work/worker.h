// Worker: one thread that runs claimed jobs one at a time. It asks the WorkerClaimer for its next
// job when idle (which is what lets the claimer claim only for idle workers), runs it through the
// JobExecutor, and hands a success to the CompletionCommitter, which commits it in the
// background together with other workers' (one JobCompleteMany for many jobs); failures are
// written at once by the executor.
// Thread-safety: Start/Join from the pool's thread; the loop runs on its own thread.
#pragma once

#include <functional>
#include <thread>

#include "runtime/work/job_executor.h"
#include "runtime/work/worker_claimer.h"

namespace conveyor {

class CompletionCommitter;

class Worker {
 public:
  // `on_exit` runs on the worker's thread when its loop ends.
  Worker(JobExecutor& executor, CompletionCommitter& committer, WorkerClaimer& claimer,
         std::function<void()> on_exit);
  ~Worker();

  void Start();
  // Returns when the loop ended (once the claimer hands out no more jobs).
  void Join();

 private:
  void Loop();

  JobExecutor& executor_;
  CompletionCommitter& committer_;
  WorkerClaimer& claimer_;
  const std::function<void()> on_exit_;
  std::thread thread_;
};

}  // namespace conveyor
