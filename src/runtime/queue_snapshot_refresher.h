// QueueSnapshotRefresher: keeps a node's queue snapshot (QueueService) at most about
// QueueService::kRefreshMs old, also on a node that reads it rarely.
//
// Why: the snapshot used to be refreshed only when a read found it stale, and that read still
// got the stale one. So the first submit or waiting reason after a quiet spell used settings from
// before another node's change — a queue's old max_attempts/timeout_s defaults on the job, or
// "ready" for a queue paused seconds ago (tests/e2e/test_queues_cluster.py
// test_queue_changes_reach_a_quiet_node). Reads never block on the store: this thread does them.
//
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine). The
// QueueService must outlive it. Thread-safety: Start/Stop from any thread.
#pragma once

#include "runtime/maintenance/periodic_service.h"
#include "runtime/queue_service.h"

namespace conveyor {

class QueueSnapshotRefresher final : public PeriodicService {
 public:
  explicit QueueSnapshotRefresher(QueueService& queues);
  ~QueueSnapshotRefresher() override;

 private:
  void RunOnce() override;

  QueueService& queues_;
};

}  // namespace conveyor
