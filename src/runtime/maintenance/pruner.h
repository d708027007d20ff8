// Pruner: the maintenance service that deletes finished jobs once their retention age passed
// (Store::JobPrune; the rules in store/store_retention.h), on the leader only. Each pass walks
// every finished state in batches of RetentionConfig::batch_limit jobs — one short store write
// each — with batch_pause_ms between them, so the store's one writer (SQLite) and the hot path
// never wait long behind it. A queue's own ages (QueueSettings) replace the node's for its jobs.
// For each job deleted it removes <artifact_dir>/<job id>/ when that exists on this node (on
// several nodes with their own disks, the other nodes' artifact directories are not reached:
// docs/operations.md), counts conveyor_jobs_pruned_total{state}, and logs one line per pass
// that deleted something (count, oldest finished_at).
// Passes run every Interval(config) (a tenth of the shortest age, within [1 s, 1 min]), so a job
// goes at most that long after its age.
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine; Stop ends a
// pass between two batches). Thread-safety: Start/Stop from any thread; PruneOnce from one
// thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "runtime/maintenance/periodic_service.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class Pruner final : public PeriodicService {
 public:
  Pruner(Store& store, const Clock& clock, const RuntimeConfig& config);
  ~Pruner() override;

  // How often passes run for `config`.
  static std::chrono::milliseconds Interval(const RetentionConfig& config);

  // One pass regardless of leadership; returns how many jobs were deleted. Exposed for tests
  // and the bench.
  int64_t PruneOnce();

 private:
  struct Tally {
    int64_t count = 0;
    TimeMs oldest_finished_at = 0;
  };
  void RunOnce() override;
  // Every due job of one state, batch by batch; false when Stop() ended the pass.
  bool PruneState(JobState state, TimeMs age_ms, const std::map<std::string, TimeMs>& queue_ages,
                  Tally& tally);
  void RemoveArtifacts(const std::string& job_id) const;

  Store& store_;
  const Clock& clock_;
  const RetentionConfig retention_;
  const TimeMs key_window_ms_;
  const std::string artifact_dir_;
  bool leader_error_ = false;  // the store failed to answer last time (pruner thread only)
};

}  // namespace conveyor
