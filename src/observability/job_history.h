// JobHistory: this node's job transitions counted per minute for the last 24 hours — what the
// dashboard's throughput and failure-rate charts draw (GET /api/v1/stats/history). Fed by
// observability::Publish (job_transition.h), so it counts what THIS node did: the jobs it
// accepted and the attempts its workers (and the external workers leasing from it) ran. On one
// node that is everything; across a cluster each node answers for itself (docs/operations.md
// says to chart the cluster from /metrics in Grafana). Nothing is stored: a restart starts empty.
//
// Thread-safety: Count and Read may be called from any thread. Count is a few relaxed atomic
// adds; only the first count of a new minute takes a mutex, to clear that minute's slot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "observability/job_transition.h"

namespace conveyor::observability {

class JobHistory {
 public:
  static constexpr int kMinutes = 24 * 60;
  static constexpr TimeMs kMinuteMs = 60'000;
  static constexpr int kKinds = 7;  // JobEventKind's values

  struct Bucket {
    TimeMs at = 0;  // the minute's start (ms since the epoch)
    std::array<int64_t, kKinds> counts{};  // indexed by JobEventKind
  };

  // The process's history (Publish counts into it).
  static JobHistory& Global();

  void Count(JobEventKind kind, TimeMs now);
  // The last `minutes` whole or current minutes up to `now`, oldest first, zeros where nothing
  // happened; `minutes` is clamped to 1..kMinutes.
  std::vector<Bucket> Read(int minutes, TimeMs now) const;

 private:
  struct Slot {
    std::atomic<int64_t> minute{-1};  // which minute (now / kMinuteMs) the counts are of
    std::array<std::atomic<int64_t>, kKinds> counts{};
  };
  std::array<Slot, kMinutes> slots_;
  std::mutex roll_mu_;  // clears a slot for its new minute
};

}  // namespace conveyor::observability
