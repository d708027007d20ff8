#include "runtime/work/worker_pool.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "observability/log.h"
#include "runtime/work/completion_committer.h"
#include "runtime/work/job_executor.h"
#include "runtime/work/lease_keeper.h"
#include "runtime/work/pool_shared.h"
#include "runtime/work/worker.h"
#include "runtime/work/worker_claimer.h"

namespace conveyor {

class WorkerPool::Impl {
 public:
  Impl(Store& store, const HandlerRegistry& handlers, const Clock& clock, RuntimeConfig config)
      : shared_(store, handlers, clock, std::move(config)),
        executor_(shared_),
        committer_(executor_),
        keeper_(shared_),
        claimer_(shared_, executor_, keeper_) {}

  void Start();
  void Stop();
  PoolShared& shared() { return shared_; }
  const WorkerClaimer& claimer() const { return claimer_; }

 private:
  void StopWorkers();
  void ListenForPeers();

  PoolShared shared_;
  // Store wake-ups (LISTEN/NOTIFY) arrive on a store thread that may outlive this pool, so the
  // callback reaches the pool only through this bridge, which Stop() detaches.
  struct WakeBridge {
    std::mutex mu;
    WakeSignal* wake = nullptr;  // guarded by mu
  };
  std::shared_ptr<WakeBridge> bridge_ = std::make_shared<WakeBridge>();
  JobExecutor executor_;
  CompletionCommitter committer_;
  LeaseKeeper keeper_;
  WorkerClaimer claimer_;
  std::mutex lifecycle_mu_;
  bool started_ = false;  // guarded by lifecycle_mu_
  bool stopped_ = false;  // guarded by lifecycle_mu_
  std::vector<std::unique_ptr<Worker>> workers_;  // guarded by lifecycle_mu_
  // Workers still in their loop; Stop() waits on it for the grace period.
  std::mutex exit_mu_;
  std::condition_variable exit_cv_;
  int active_ = 0;  // guarded by exit_mu_
};

void WorkerPool::Impl::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (started_ || stopped_) return;
  started_ = true;
  committer_.Start();
  keeper_.Start();
  active_ = shared_.config.workers;
  for (int i = 0; i < shared_.config.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(executor_, committer_, claimer_, [this] {
      std::lock_guard<std::mutex> l(exit_mu_);
      if (--active_ == 0) exit_cv_.notify_all();
    }));
    workers_.back()->Start();
  }
  claimer_.Start();
  ListenForPeers();
  log::Info("workers.started", {{"workers", shared_.config.workers}});
}

void WorkerPool::Impl::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> l(bridge_->mu);
    bridge_->wake = nullptr;
  }
  StopWorkers();
  committer_.Stop();
  // Leases are renewed until the last attempt is settled, so stop the keeper only now.
  keeper_.Stop();
  log::Info("workers.stopped");
}

// Jobs submitted through other nodes wake our workers through the store, where it can push.
void WorkerPool::Impl::ListenForPeers() {
  if (!shared_.store.SupportsListenNotify()) return;
  bridge_->wake = &shared_.wake;
  Status s = shared_.store.Listen([bridge = bridge_] {
    std::lock_guard<std::mutex> l(bridge->mu);
    if (bridge->wake != nullptr) bridge->wake->Notify();
  });
  if (!s.ok()) {
    log::Warn("workers.listen_failed", {{"error", s.ToString()}});
  }
}

void WorkerPool::Impl::StopWorkers() {
  // Phase one: no new claims or attempts; running attempts may finish within the grace period.
  // The claimer releases what it claimed that no worker started, and idle workers exit.
  shared_.stop_claiming.store(true);
  shared_.wake.Shutdown();
  claimer_.Stop();
  bool all_exited;
  {
    std::unique_lock<std::mutex> l(exit_mu_);
    all_exited = exit_cv_.wait_for(l, std::chrono::milliseconds(shared_.config.shutdown_grace_ms),
                                   [&] { return active_ == 0; });
  }
  // Phase two: ask what still runs to stop; its jobs are released as the handlers return.
  if (!all_exited) {
    log::Warn("workers.grace_expired");
    shared_.held.StopAll(Attempt::kShutdown);
  }
  for (auto& w : workers_) w->Join();
}

WorkerPool::WorkerPool(Store& store, const HandlerRegistry& handlers, const Clock& clock,
                       RuntimeConfig config)
    : impl_(std::make_unique<Impl>(store, handlers, clock, std::move(config))) {}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() { impl_->Start(); }
void WorkerPool::Stop() { impl_->Stop(); }
void WorkerPool::Notify() { impl_->shared().wake.Notify(); }

void WorkerPool::CancelRunning(const std::string& job_id) {
  if (auto a = impl_->shared().held.Find(job_id)) a->Stop(Attempt::kCancelRequested);
}

WorkerPool::Stats WorkerPool::GetStats() const {
  PoolShared& s = impl_->shared();
  return Stats{.workers = s.config.workers,
               .completed = s.completed.load(std::memory_order_relaxed),
               .failed_attempts = s.failed_attempts.load(std::memory_order_relaxed),
               .running = s.running.load(std::memory_order_relaxed),
               .idle = impl_->claimer().idle(),
               .claims = impl_->claimer().claims(),
               .handed_back = impl_->claimer().handed_back()};
}

}  // namespace conveyor
