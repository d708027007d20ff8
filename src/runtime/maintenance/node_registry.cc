#include "runtime/maintenance/node_registry.h"

#include <unistd.h>

#include <chrono>
#include <utility>

#include "observability/log.h"

namespace conveyor {

NodeRegistry::NodeRegistry(Store& store, const Clock& clock, std::string name, std::string role,
                           std::function<int()> running_jobs, TimeMs interval_ms)
    : PeriodicService(std::chrono::milliseconds(interval_ms)),
      store_(store),
      clock_(clock),
      running_jobs_(std::move(running_jobs)) {
  info_.name = std::move(name);
  info_.role = std::move(role);
}

NodeRegistry::~NodeRegistry() { Stop(); }

void NodeRegistry::OnStopped() {
  running_jobs_ = [] { return 0; };
  BeatOnce();
}

Status NodeRegistry::BeatOnce() {
  if (info_.started_at == 0) info_.started_at = clock_.NowMs();
  info_.last_seen_at = clock_.NowMs();
  info_.running_jobs = running_jobs_ ? running_jobs_() : 0;
  Result<bool> leader = store_.LeaderTryAcquire();
  info_.leader = leader.ok() && *leader;
  Status s = store_.NodeHeartbeat(info_);
  if (!s.ok()) log::Warn("node.heartbeat_failed", {{"error", s.ToString()}});
  return s;
}

Result<std::vector<NodeInfo>> NodeRegistry::List() const { return store_.NodeList(); }

bool NodeRegistry::IsAlive(const NodeInfo& node, TimeMs now) {
  return now - node.last_seen_at <= kAliveBeats * kHeartbeatMs;
}

std::string NodeRegistry::DefaultName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "node-" + std::to_string(getpid());
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace conveyor
