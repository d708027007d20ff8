#include "runtime/maintenance/node_registry.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "observability/log.h"

namespace conveyor {

NodeRegistry::NodeRegistry(Store& store, const Clock& clock, std::string name, std::string role,
                           std::function<int()> running_jobs, TimeMs interval_ms)
    : store_(store),
      clock_(clock),
      running_jobs_(std::move(running_jobs)),
      interval_ms_(std::max<TimeMs>(1, interval_ms)) {
  info_.name = std::move(name);
  info_.role = std::move(role);
}

NodeRegistry::~NodeRegistry() { Stop(); }

void NodeRegistry::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  info_.started_at = clock_.NowMs();
  thread_ = std::thread([this] { Loop(); });
}

void NodeRegistry::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  // A last beat tells readers this node holds no job any more.
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
  if (!s.ok()) log::Warn("node.heartbeat_failed", {{"node", info_.name}, {"error", s.ToString()}});
  return s;
}

void NodeRegistry::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    BeatOnce();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [&] { return stop_; });
  }
}

bool NodeRegistry::IsAlive(const NodeInfo& node, TimeMs now) {
  return now - node.last_seen_at <= kAliveBeats * kHeartbeatMs;
}

std::string NodeRegistry::DefaultName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "node-" + std::to_string(getpid());
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace conveyor
