// Maintenance: the background services every node runs, whatever its role ("serve", "api",
// "worker") and whether or not it has local workers:
//   LeaseRescuer — returns jobs whose lease expired to the queue (while this node leads);
//   Expirer — moves waiting jobs past their expires_at to EXPIRED (while this node leads);
//   Pruner — deletes finished jobs past their retention age (while this node leads);
//   NodeRegistry — this node's heartbeat in the store's node list.
// The node builds it next to its WorkerPool (if any), starts it once the API listens and the
// pool runs, and stops it after the pool: leases are rescued until the last local attempt is
// settled, and the last heartbeat reports no running job.
// Lifecycle: Start/Stop idempotent; Stop before Start is fine. Thread-safety: Start/Stop from
// any thread; nodes() may be used concurrently.
#pragma once

#include <string>

#include <functional>

#include "core/clock.h"
#include "runtime/maintenance/expirer.h"
#include "runtime/maintenance/lease_rescuer.h"
#include "runtime/maintenance/node_registry.h"
#include "runtime/maintenance/pruner.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class WorkerPool;

class Maintenance {
 public:
  // `pool` (null on a node without local workers, and must outlive this object) is woken after
  // a rescue and counted in the heartbeat's running jobs. `role` is a kRole* name. `on_expired`
  // (may be null) runs on the expirer's thread after jobs expired (the node wakes its webhook
  // dispatcher); it must not block, and is only called between Start() and Stop().
  Maintenance(Store& store, const Clock& clock, const RuntimeConfig& config, std::string role,
              WorkerPool* pool, std::function<void()> on_expired = nullptr);
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  void Start();
  void Stop();

  // The node list (GET /api/v1/nodes reads it through this).
  NodeRegistry& nodes() { return nodes_; }

 private:
  LeaseRescuer rescuer_;
  Expirer expirer_;
  Pruner pruner_;
  NodeRegistry nodes_;
};

}  // namespace conveyor
