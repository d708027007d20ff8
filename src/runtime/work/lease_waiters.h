// LeaseWaiters: the long polls (POST /leases with wait_s) waiting for jobs, grouped by what they
// can take, so a submit wakes only polls whose filter matches its jobs' (queue, type), and only
// as many as the jobs need: a batch of n jobs wakes at most n polls (fewer when a poll may take
// several: its `max` counts against the jobs). Before, every submit woke every poll, and 300
// idle polls cut submit throughput by 61 %.
//  - Add() registers a waiter before it first asks the store; Looking() is called right before
//    each time it asks. A wake that lands after Looking() is "pending": the store answer the
//    waiter is getting may predate the job, so the waiter asks again (the caller's loop).
//  - The least recently woken matching waiter is woken first (fair, and a poll that is busy
//    asking the store is not picked again while idle ones wait).
//  - Remove() with a wake pending (the poll answered, timed out or went away without using it)
//    passes the wake to the next waiter of the same filter, so a job is never left to the
//    periodic re-check only because the poll told about it left.
//  - What no wake announces (scheduled jobs coming due, rescued jobs, other nodes' submits) is
//    found by the waiter's own periodic re-check (api/leases_resource.h, kLeaseRecheck).
// Cost: Notify() takes one lock and looks at each distinct filter once per distinct
// (queue, type) among the jobs; with no waiter at all it is one atomic load.
// Thread-safety: every method may be called from any thread. `wake` callbacks run under the
// internal lock: they must only post work elsewhere, never block or call back in here.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace conveyor {

// Which jobs a waiter can take (as JobClaimParams filters them).
struct WaitFilter {
  bool any = false;                        // every job, whatever its queue and type
  std::vector<std::string> queues;         // empty: any queue
  std::vector<std::string> types;          // empty: any type not in exclude_types
  std::vector<std::string> exclude_types;  // only when types is empty
};

// A job that became claimable.
struct JobKey {
  std::string queue;
  std::string type;
};

class LeaseWaiters {
 public:
  // `max`: how many jobs one wake-up may satisfy (the poll's max).
  uint64_t Add(WaitFilter filter, int max, std::function<void()> wake);
  void Remove(uint64_t id);
  void Looking(uint64_t id);
  void Notify(const std::vector<JobKey>& jobs);
  void NotifyAll();

  int64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }
  int waiting() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Group {
    std::string key;
    WaitFilter filter;
    std::list<uint64_t> order;  // least recently woken (or added) first
  };
  struct Waiter {
    Group* group = nullptr;
    std::list<uint64_t>::iterator pos;
    int max = 1;
    std::function<void()> wake;
    bool pending = false;  // woken since its last Looking()
    uint64_t woken_round = 0;
    uint64_t touched = 0;  // sequence of its last wake (or its Add)
  };

  static bool Matches(const WaitFilter& f, const JobKey& job);
  // The matching waiter woken longest ago and not yet in this round; nullptr when none.
  // REQUIRES: mu_ held.
  Waiter* PickLocked(const JobKey& job);
  void WakeLocked(Waiter& w);

  mutable std::mutex mu_;
  std::map<std::string, Group> groups_;           // guarded by mu_; by canonical filter
  std::unordered_map<uint64_t, Waiter> waiters_;  // guarded by mu_
  uint64_t next_id_ = 1;                          // guarded by mu_
  uint64_t round_ = 0;                            // guarded by mu_
  uint64_t seq_ = 0;                              // guarded by mu_
  std::atomic<int> count_{0};
  std::atomic<int64_t> wakeups_{0};
};

}  // namespace conveyor
