// NodeRegistry: keeps this node's row in the store's node list (GET /api/v1/nodes) fresh. A
// background thread upserts it at Start(), every heartbeat interval and once more at Stop(),
// with the node's role, start time, running jobs (from `running_jobs`) and whether it holds the
// maintenance leadership (Store::LeaderTryAcquire). A node not seen for kAliveBeats intervals
// counts as gone. Start/Stop are idempotent; Stop before Start is fine.
// Thread-safety: Start/Stop/BeatOnce from any thread; `running_jobs` is called on the
// registry's thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/store.h"

namespace conveyor {

class NodeRegistry {
 public:
  static constexpr TimeMs kHeartbeatMs = 2000;
  static constexpr int kAliveBeats = 3;

  NodeRegistry(Store& store, const Clock& clock, std::string name, std::string role,
               std::function<int()> running_jobs, TimeMs interval_ms = kHeartbeatMs);
  ~NodeRegistry();

  void Start();
  void Stop();
  // One heartbeat now. Exposed for tests.
  Status BeatOnce();

  // Seen within kAliveBeats heartbeats of the default interval.
  static bool IsAlive(const NodeInfo& node, TimeMs now);
  // "<hostname>-<pid>": unique per process on a machine, readable in logs.
  static std::string DefaultName();

 private:
  void Loop();

  Store& store_;
  const Clock& clock_;
  NodeInfo info_;  // name, role, started_at fixed; the rest filled per beat (registry thread)
  std::function<int()> running_jobs_;
  const TimeMs interval_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// A short, stable phrase for the node's role: "serve" (API + workers), "api", "worker".
inline constexpr const char* kRoleServe = "serve";
inline constexpr const char* kRoleApi = "api";
inline constexpr const char* kRoleWorker = "worker";

}  // namespace conveyor
