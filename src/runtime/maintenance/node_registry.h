// NodeRegistry: the store's list of nodes (GET /api/v1/nodes), and this node's row in it. A
// maintenance service that upserts the row at Start(), every heartbeat interval and once more
// at Stop(), with the node's role, start time, running jobs (from `running_jobs`) and whether it
// holds the maintenance leadership (Store::LeaderTryAcquire). A node not seen for kAliveBeats
// intervals counts as gone.
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine, and sends no
// last beat).
// Thread-safety: Start/Stop/BeatOnce/List from any thread; `running_jobs` is called on the
// registry's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "runtime/maintenance/periodic_service.h"
#include "store/store.h"

namespace conveyor {

class NodeRegistry final : public PeriodicService {
 public:
  static constexpr TimeMs kHeartbeatMs = 2000;
  static constexpr int kAliveBeats = 3;

  NodeRegistry(Store& store, const Clock& clock, std::string name, std::string role,
               std::function<int()> running_jobs, TimeMs interval_ms = kHeartbeatMs);
  ~NodeRegistry() override;

  // One heartbeat now. Exposed for tests.
  Status BeatOnce();
  // Nodes sharing the store, most recently seen first.
  Result<std::vector<NodeInfo>> List() const;

  // Seen within kAliveBeats heartbeats of the default interval.
  static bool IsAlive(const NodeInfo& node, TimeMs now);
  // "<hostname>-<pid>": unique per process on a machine, readable in logs.
  static std::string DefaultName();

 private:
  void RunOnce() override { BeatOnce(); }
  // A last beat tells readers this node holds no job any more.
  void OnStopped() override;

  Store& store_;
  const Clock& clock_;
  NodeInfo info_;  // name, role fixed; started_at at the first beat; the rest filled per beat
  std::function<int()> running_jobs_;
};

// A short, stable phrase for the node's role: "serve" (API + workers), "api", "worker".
inline constexpr const char* kRoleServe = "serve";
inline constexpr const char* kRoleApi = "api";
inline constexpr const char* kRoleWorker = "worker";

}  // namespace conveyor
