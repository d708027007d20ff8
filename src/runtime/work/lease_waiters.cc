#include "runtime/work/lease_waiters.h"

#include <algorithm>
#include <utility>

namespace conveyor {

namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Equal filters give equal keys, so their waiters share one group.
std::string CanonicalKey(WaitFilter& f) {
  if (f.any) return "*";
  std::string key;
  for (auto* list : {&f.queues, &f.types, &f.exclude_types}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
    for (const std::string& s : *list) key.append(s).push_back('\x1f');
    key.push_back('\x1e');
  }
  return key;
}

}  // namespace

bool LeaseWaiters::Matches(const WaitFilter& f, const JobKey& job) {
  if (f.any) return true;
  if (!f.queues.empty() && !Contains(f.queues, job.queue)) return false;
  if (!f.types.empty()) return Contains(f.types, job.type);
  return !Contains(f.exclude_types, job.type);
}

uint64_t LeaseWaiters::Add(WaitFilter filter, int max, std::function<void()> wake) {
  const std::string key = CanonicalKey(filter);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = groups_.try_emplace(key);
  Group& g = it->second;
  if (fresh) {
    g.key = key;
    g.filter = std::move(filter);
  }
  const uint64_t id = next_id_++;
  g.order.push_back(id);
  waiters_.emplace(id, Waiter{.group = &g,
                              .pos = std::prev(g.order.end()),
                              .max = std::max(1, max),
                              .wake = std::move(wake),
                              .touched = ++seq_});
  count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

void LeaseWaiters::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return;
  Group* g = it->second.group;
  const bool pending = it->second.pending;
  g->order.erase(it->second.pos);
  waiters_.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (g->order.empty()) {
    groups_.erase(g->key);
    return;
  }
  // The wake it did not use was for a job this filter can take: pass it on.
  if (pending) WakeLocked(waiters_.at(g->order.front()));
}

void LeaseWaiters::Looking(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(id);
  if (it != waiters_.end()) it->second.pending = false;
}

void LeaseWaiters::Notify(const std::vector<JobKey>& jobs) {
  if (count_.load(std::memory_order_relaxed) == 0 || jobs.empty()) return;
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const JobKey& j : jobs) ++counts[{j.queue, j.type}];
  std::lock_guard<std::mutex> lock(mu_);
  ++round_;
  for (const auto& [qt, n] : counts) {
    const JobKey job{qt.first, qt.second};
    for (int left = n; left > 0;) {
      Waiter* w = PickLocked(job);
      if (w == nullptr) break;
      WakeLocked(*w);
      left -= w->max;
    }
  }
}

void LeaseWaiters::NotifyAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, w] : waiters_) {
    w.pending = true;
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    w.wake();
  }
}

LeaseWaiters::Waiter* LeaseWaiters::PickLocked(const JobKey& job) {
  Waiter* best = nullptr;
  for (auto& [key, g] : groups_) {
    if (g.order.empty() || !Matches(g.filter, job)) continue;
    // The front was woken longest ago; if even it was woken this round, all of them were.
    Waiter& front = waiters_.at(g.order.front());
    if (front.woken_round == round_) continue;
    if (best == nullptr || front.touched < best->touched) best = &front;
  }
  return best;
}

void LeaseWaiters::WakeLocked(Waiter& w) {
  w.group->order.splice(w.group->order.end(), w.group->order, w.pos);
  w.pending = true;
  w.woken_round = round_;
  w.touched = ++seq_;
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  w.wake();
}

}  // namespace conveyor
