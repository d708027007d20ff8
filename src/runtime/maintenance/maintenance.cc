#include "runtime/maintenance/maintenance.h"

#include <utility>

#include "runtime/work/worker_pool.h"

namespace conveyor {

namespace {

std::function<void()> WakeWorkers(WorkerPool* pool) {
  if (pool == nullptr) return nullptr;
  return [pool] { pool->Notify(); };
}

std::function<int()> RunningJobs(WorkerPool* pool) {
  if (pool == nullptr) return [] { return 0; };
  return [pool] { return pool->GetStats().running; };
}

}  // namespace

Maintenance::Maintenance(Store& store, const Clock& clock, const RuntimeConfig& config,
                         std::string role, WorkerPool* pool, std::function<void()> on_expired)
    : rescuer_(store, clock, config, WakeWorkers(pool)),
      expirer_(store, clock, std::move(on_expired)),
      pruner_(store, clock, config),
      nodes_(store, clock, config.node_name, std::move(role), RunningJobs(pool)) {}

Maintenance::~Maintenance() { Stop(); }

void Maintenance::Start() {
  rescuer_.Start();
  expirer_.Start();
  pruner_.Start();
  nodes_.Start();
}

void Maintenance::Stop() {
  rescuer_.Stop();
  expirer_.Stop();
  pruner_.Stop();
  nodes_.Stop();
}

}  // namespace conveyor
