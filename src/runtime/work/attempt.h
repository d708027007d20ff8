// Attempt: one claimed job this process holds, from claim until its outcome is committed. It is
// the JobContext the handler sees, and it carries what the lease keeper needs: the lease token,
// progress not yet sent, the attempt's deadline, and why the handler should stop.
//
// Thread-safety: job() is immutable after construction. Stop flags, the deadline and the pending
// progress may be touched from any thread (atomics / an internal mutex). last_beat is the lease
// keeper's alone. The artifact root and result_ref belong to the thread running the attempt.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/job.h"
#include "handlers/handler.h"
#include "store/store.h"

namespace conveyor {

class Attempt final : public JobContext {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Reasons the handler is asked to stop; several may be set.
  enum StopReason : uint8_t {
    kCancelRequested = 1,  // a client cancelled the job
    kTimedOut = 2,         // the attempt ran past timeout_s
    kShutdown = 4,         // the pool is stopping and the grace period is over
    kLeaseLost = 8,        // the store no longer knows our lease: another attempt owns the job
  };

  // Progress reported since the last heartbeat.
  struct Progress {
    std::optional<double> percent;
    std::optional<std::string> message;
    std::optional<std::string> step;
  };

  Attempt(Job job, SteadyTime claimed_at);

  const Job& job() const override { return job_; }
  bool Cancelled() const override { return stop_.load(std::memory_order_acquire) != 0; }
  void ReportProgress(double percent, std::string message) override;
  void SetStep(std::string step) override;
  // <artifact root>/<job id>, created on demand; FailedPrecondition when no root was set.
  Result<std::string> ArtifactDir() override;
  void SetResultRef(std::string file_name) override { result_file_ = std::move(file_name); }

  // Where ArtifactDir() lives; set by the executor before the handler runs.
  void SetArtifactRoot(std::string root) { artifact_root_ = std::move(root); }
  // "<job id>/<file>" once the handler named an artifact.
  std::optional<std::string> result_ref() const;

  const std::string& id() const { return job_.id; }
  const std::string& lease_token() const;
  void Stop(StopReason reason) { stop_.fetch_or(reason, std::memory_order_acq_rel); }
  bool StoppedFor(StopReason reason) const { return (stop_.load() & reason) != 0; }

  // Called when the handler starts: the timeout clock starts now.
  void MarkStarted(SteadyTime now);
  // True once started and past its deadline.
  bool PastDeadline(SteadyTime now) const;

  bool HasProgress() const { return progress_dirty_.load(std::memory_order_acquire); }
  Progress TakeProgress();
  // A lease renewal to `now + lease_ms` carrying the progress reported since the last one.
  JobHeartbeatParams TakeHeartbeat(TimeMs now, TimeMs lease_ms);

  SteadyTime last_beat;  // lease keeper only

 private:
  const Job job_;
  std::atomic<uint8_t> stop_{0};
  std::atomic<int64_t> deadline_ns_{0};  // steady clock; 0 = not started
  std::atomic<bool> progress_dirty_{false};
  std::mutex mu_;
  Progress progress_;  // guarded by mu_
  std::string artifact_root_;
  std::string result_file_;
};

}  // namespace conveyor
