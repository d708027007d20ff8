#include "runtime/queue_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "observability/log.h"

namespace conveyor {

QueueService::QueueService(Store& store, const Clock& clock, Post post,
                           std::function<void()> wake)
    : store_(store),
      clock_(clock),
      post_(std::move(post)),
      wake_(std::move(wake)),
      current_(std::make_shared<QueueSnapshot>()) {}

// A refresh posted to a helper that has stopped never runs (and never touches this service):
// the wait is bounded for that case.
QueueService::~QueueService() {
  std::unique_lock<std::mutex> lock(mu_);
  refreshed_.wait_for(lock, std::chrono::seconds(5), [this] { return !refreshing_; });
}

Result<std::shared_ptr<const QueueSnapshot>> QueueService::Read() {
  auto snap = std::make_shared<QueueSnapshot>();
  snap->read_at = clock_.NowMs();
  Result<std::vector<QueueSettings>> queues = store_.QueueList();
  if (!queues.ok()) return queues.status();
  for (QueueSettings& q : *queues) {
    if (q.concurrency_limit) {
      // A page of at most the limit's size (<= 1000) tells whether the queue is at it.
      const int page = std::clamp(*q.concurrency_limit, 1, 1000);
      auto running =
          store_.JobList({.state = JobState::kRunning, .queue = q.name, .limit = page});
      if (running.ok()) snap->running[q.name] = static_cast<int64_t>(running->jobs.size());
    }
    std::string name = q.name;
    snap->queues.emplace(std::move(name), std::move(q));
  }
  Result<std::vector<RateLimitRow>> rates = store_.RateLimitList();
  if (!rates.ok()) return rates.status();
  snap->rates = std::move(*rates);
  return std::shared_ptr<const QueueSnapshot>(std::move(snap));
}

Status QueueService::Load() {
  auto snap = Read();
  if (!snap.ok()) return snap.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(*snap);
  return Status::Ok();
}

void QueueService::Refresh() {
  auto snap = Read();
  std::lock_guard<std::mutex> lock(mu_);
  refreshing_ = false;
  if (snap.ok()) {
    current_ = std::move(*snap);
  } else {
    log::Warn("queues.refresh_failed", {{"error", snap.status().message()}});
  }
  refreshed_.notify_all();
}

void QueueService::RefreshNow() {
  auto snap = Read();
  if (!snap.ok()) {
    log::Warn("queues.refresh_failed", {{"error", snap.status().message()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if ((*snap)->read_at >= current_->read_at) current_ = std::move(*snap);
}

std::shared_ptr<const QueueSnapshot> QueueService::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!refreshing_ && clock_.NowMs() - current_->read_at >= kRefreshMs) {
    refreshing_ = true;
    post_([this] { Refresh(); });
  }
  return current_;
}

Result<std::vector<QueueView>> QueueService::List() {
  Result<std::vector<QueueSettings>> queues = store_.QueueList();
  if (!queues.ok()) return queues.status();
  std::vector<QueueStats> stats;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    const TimeMs now = clock_.NowMs();
    if (stats_at_ < 0 || now - stats_at_ >= kRefreshMs) {
      Result<std::vector<QueueStats>> fresh = store_.QueueStatsGet(now);
      if (!fresh.ok()) return fresh.status();
      stats_ = std::move(*fresh);
      stats_at_ = now;
    }
    stats = stats_;
  }
  std::vector<QueueView> out;
  for (QueueSettings& q : *queues) {
    QueueView v{.settings = std::move(q)};
    v.stats.name = v.settings.name;
    for (const QueueStats& s : stats) {
      if (s.name == v.settings.name) v.stats = s;
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<QueueSettings> QueueService::Patch(QueuePatchParams p) {
  p.now = clock_.NowMs();
  Result<QueueSettings> out = store_.QueuePatch(p);
  if (out.ok()) {
    (void)Load();
    wake_();
  }
  return out;
}

Result<std::vector<RateLimitRow>> QueueService::RateLimits() { return store_.RateLimitList(); }

Status QueueService::SetRateLimit(const RateLimitSetParams& p) {
  Status s = store_.RateLimitSet(p);
  if (s.ok()) {
    (void)Load();
    wake_();
  }
  return s;
}

}  // namespace conveyor
