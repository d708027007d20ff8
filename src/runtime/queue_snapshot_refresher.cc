#include "runtime/queue_snapshot_refresher.h"

#include <chrono>

namespace conveyor {

QueueSnapshotRefresher::QueueSnapshotRefresher(QueueService& queues)
    : PeriodicService(std::chrono::milliseconds(QueueService::kRefreshMs)), queues_(queues) {}

QueueSnapshotRefresher::~QueueSnapshotRefresher() { Stop(); }

void QueueSnapshotRefresher::RunOnce() { queues_.RefreshNow(); }

}  // namespace conveyor
