// ClaimPlanner: how a claim of N jobs is shared among queues — stride scheduling by weight.
//
// Every queue has a pass; a slot goes to the candidate with the lowest pass, which then grows by
// 1/weight. Over many claims each busy queue gets starts in proportion to its weight, whatever
// the claim sizes (one job per idle worker, or a batch of 256). A queue that ran dry forfeits
// what it had saved: when it has work again it starts at the others' pass (the global virtual
// time), so an idle queue's share goes to the others and never comes back as a burst.
//
// Also the starvation rule within a queue: one start in every kAgeShare goes to the queue's
// longest-waiting due job, whatever its priority (AgeSlots).
//
// State is per store instance (per node): each node shares its own claims by weight, so the sum
// over nodes does too. Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace conveyor {

// One start in this many of a queue goes to its longest-waiting due job.
inline constexpr int kAgeShare = 10;

struct PlanCandidate {
  std::string name;
  int weight = 1;
  int64_t capacity = INT64_MAX;  // starts allowed now (limits, rate budget); > 0
};

struct PlanSlot {
  size_t candidate = 0;  // index into the candidates given
  int slots = 0;         // > 0
};

class ClaimPlanner {
 public:
  // Shares `slots` among the candidates (none beyond its capacity); queues with the lowest pass
  // first. Changes nothing: Charge records what was taken.
  std::vector<PlanSlot> Plan(const std::vector<PlanCandidate>& candidates, int slots) const;
  // The queue started `n` jobs (n may be 0).
  void Charge(const std::string& queue, int weight, int n);
  // The queue had fewer due jobs than asked: it loses its saved credit.
  void Drained(const std::string& queue);
  // Of `n` starts about to be made in `queue`, how many go to its longest-waiting jobs (counts
  // them as made).
  int AgeSlots(const std::string& queue, int n);

 private:
  struct QueueState {
    double pass = 0;
    bool drained = true;  // starts at the virtual time when it next has work
    uint64_t starts = 0;  // for the age share
  };
  double PassLocked(const std::string& queue) const;

  mutable std::mutex mu_;
  std::unordered_map<std::string, QueueState> queues_;  // guarded by mu_
  double virtual_time_ = 0;                              // guarded by mu_
};

}  // namespace conveyor
