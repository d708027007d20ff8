#include "store/claim_planner.h"

#include <algorithm>
#include <queue>
#include <tuple>

namespace conveyor {

double ClaimPlanner::PassLocked(const std::string& queue) const {
  auto it = queues_.find(queue);
  if (it == queues_.end() || it->second.drained) return virtual_time_;
  return std::max(it->second.pass, virtual_time_);
}

std::vector<PlanSlot> ClaimPlanner::Plan(const std::vector<PlanCandidate>& candidates,
                                         int slots) const {
  // (pass, -weight, candidate): lowest pass first; at equal pass the heavier queue.
  using Entry = std::tuple<double, int, size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> order;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].capacity > 0) {
        order.emplace(PassLocked(candidates[i].name), -candidates[i].weight, i);
      }
    }
  }
  std::vector<int> given(candidates.size(), 0);
  std::vector<size_t> first_seen;  // candidates in the order they got their first slot
  for (int s = 0; s < slots && !order.empty(); ++s) {
    auto [pass, heavier, i] = order.top();
    order.pop();
    if (given[i]++ == 0) first_seen.push_back(i);
    if (given[i] < candidates[i].capacity) {
      order.emplace(pass + 1.0 / std::max(1, candidates[i].weight), heavier, i);
    }
  }
  std::vector<PlanSlot> plan;
  for (size_t i : first_seen) plan.push_back({i, given[i]});
  return plan;
}

void ClaimPlanner::Charge(const std::string& queue, int weight, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  const double start = PassLocked(queue);
  QueueState& q = queues_[queue];
  q.pass = start + static_cast<double>(n) / std::max(1, weight);
  if (n > 0) q.drained = false;
  // The virtual time is the pass of the queue served last before it was served (start-time fair
  // queuing): a queue that gets work starts there, level with the busiest, never ahead of them.
  if (n > 0) virtual_time_ = std::max(virtual_time_, start);
}

void ClaimPlanner::Drained(const std::string& queue) {
  std::lock_guard<std::mutex> lock(mu_);
  queues_[queue].drained = true;
}

int ClaimPlanner::AgeSlots(const std::string& queue, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  QueueState& q = queues_[queue];
  const uint64_t before = q.starts / kAgeShare;
  q.starts += static_cast<uint64_t>(std::max(0, n));
  return static_cast<int>(q.starts / kAgeShare - before);
}

}  // namespace conveyor
