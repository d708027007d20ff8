// LeaseRescuer: a maintenance service that returns jobs whose lease expired — their worker died
// or lost touch with the store — to the queue. Runs JobRescueExpired at Start() and every
// rescue_interval_ms; each rescue counts as a failed attempt (RETRYING after a backoff, or FAILED
// when none are left), and calls `on_rescued` (the node wakes its local workers). Each interval
// it asks Store::LeaderTryAcquire() first and rescues only while this node leads (always on
// SQLite), logging each change of leadership. When the store cannot answer, it rescues anyway: a
// rescue is one transaction over expired leases only, so two nodes rescuing at once is harmless.
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine).
// Thread-safety: Start/Stop from any thread; RescueOnce from one thread at a time.
#pragma once

#include <functional>

#include "core/clock.h"
#include "runtime/maintenance/periodic_service.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class LeaseRescuer final : public PeriodicService {
 public:
  // `on_rescued` (may be null) runs on the rescuer's thread after a pass that rescued jobs.
  LeaseRescuer(Store& store, const Clock& clock, const RuntimeConfig& config,
               std::function<void()> on_rescued = nullptr);
  ~LeaseRescuer() override;

  // One pass; returns how many jobs were rescued. Exposed for tests.
  int RescueOnce();

 private:
  void RunOnce() override;
  void PublishRescued(const std::string& id);
  // Asks the store; logs when the answer changes. Called on the rescuer's thread only.
  bool IsLeader();

  Store& store_;
  const Clock& clock_;
  const RuntimeConfig config_;
  const std::function<void()> on_rescued_;
  bool leader_ = false;       // the last answer, for change logs (rescuer thread only)
  bool leader_error_ = false; // the store failed to answer last time (rescuer thread only)
};

}  // namespace conveyor
