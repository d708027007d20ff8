// StoreReadiness: whether a store can accept a job right now, for GET /ready. The store records
// the outcome of each write transaction as a whole (RecordWrite); Check() answers from that
// record without touching the database, so a load balancer polling /ready costs no store call on
// the HTTP I/O thread. A store that answers reads but cannot write (a lock held by another
// process, a full disk, a lost server) is not ready: accepting a job needs a write.
//
// While the last write failed, when no write has been seen for kFreshMs, or before any write,
// Check() starts one probe (an empty write transaction the store runs on its own threads) at
// most every kProbeEveryMs, so an idle store still learns that it is wedged or has recovered.
// A probe that has not finished after kProbeStuckMs makes the store not ready by itself.
//
// Thread-safety: every method from any thread. The probe may answer inline or on another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "core/status.h"

namespace conveyor {

class StoreReadiness {
 public:
  using ProbeDone = std::function<void(const Status&)>;
  // Starts an empty write transaction and calls `done` once with its outcome. Must not block.
  using Probe = std::function<void(ProbeDone done)>;
  using NowMs = std::function<int64_t()>;  // monotonic milliseconds

  static constexpr int64_t kFreshMs = 5000;
  static constexpr int64_t kProbeEveryMs = 1000;
  static constexpr int64_t kProbeStuckMs = 15000;

  // `now` is a test seam (an injected clock); the default is std::chrono::steady_clock.
  explicit StoreReadiness(NowMs now = nullptr);

  // Set once, after the store's write path exists and before Check() is called.
  void SetProbe(Probe probe);
  // The outcome of one write transaction as a whole: non-OK means it could not be written
  // (not a caller's own error such as a conflict, which says the store works).
  void RecordWrite(const Status& outcome);
  // OK, or Unavailable with the reason. Never blocks on the store.
  Status Check();

 private:
  Status StateLocked(int64_t now) const;      // REQUIRES: mu_ held
  bool ShouldProbeLocked(int64_t now) const;  // REQUIRES: mu_ held
  void FinishProbe(const Status& outcome);

  const NowMs now_;
  std::mutex mu_;
  Probe probe_;                 // GUARDED_BY(mu_)
  std::optional<Status> last_;  // GUARDED_BY(mu_): the last write's outcome; none seen yet
  int64_t last_at_ = 0;         // GUARDED_BY(mu_)
  bool probing_ = false;        // GUARDED_BY(mu_)
  std::optional<int64_t> probe_started_at_;  // GUARDED_BY(mu_)
};

}  // namespace conveyor
