// JobExecutor: runs one attempt and turns what happened — a result, an error Status, a thrown
// exception, a timeout, a cancel, a shutdown — into the matching store call. Successes are not
// written one by one: Run() hands them back so the worker commits a whole batch with one
// CompleteMany() (one transaction, one fsync).
//
// Outcome rules:
//   OK                                   → completion (batched)
//   cancel requested (any non-OK status) → JobCancelAck → CANCELLED
//   timed out (any non-OK status)        → JobFail retryable "timed out after N s"
//   shutdown + Cancelled                 → JobReleaseMany (back to PENDING, costs no attempt)
//   InvalidArgument / FailedPrecondition → JobFail non-retryable → FAILED
//   anything else, or an exception       → JobFail retryable, retry_at = now + backoff
//   no handler for the type              → JobFail non-retryable
// Thread-safety: Run() may be called from many workers at once; the executor holds no state of
// its own beyond PoolShared.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/work/attempt.h"
#include "runtime/work/pool_shared.h"

namespace conveyor {

class JobExecutor {
 public:
  explicit JobExecutor(PoolShared& shared) : shared_(shared) {}

  // Runs the attempt's handler. Returns the completion to commit on success; otherwise the
  // outcome is already committed and the attempt no longer held.
  std::optional<JobCompletion> Run(Attempt& attempt);
  // Commits successes in one store call and stops holding those attempts; attempts[i] produced
  // completions[i].
  void CompleteMany(std::vector<JobCompletion> completions,
                    const std::vector<std::shared_ptr<Attempt>>& attempts);
  // Gives jobs that were claimed but never started back to the queue (shutdown).
  void ReleaseMany(const std::vector<const Attempt*>& attempts);

 private:
  Result<std::string> Invoke(Handler& handler, Attempt& attempt);
  std::optional<JobCompletion> Settle(Attempt& attempt, Result<std::string> outcome);
  // Writes progress, message or step not yet sent by a heartbeat (one extra store call, only for
  // handlers that report them), so the finished or retrying job shows where it got to.
  void FlushProgress(Attempt& attempt);
  void Fail(Attempt& attempt, std::string error, bool retryable);
  void CancelAck(Attempt& attempt);

  PoolShared& shared_;
};

}  // namespace conveyor
