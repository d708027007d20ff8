// LeaseRescuer: a background thread that returns jobs whose lease expired — their worker died or
// lost touch with the store — to the queue. Runs JobRescueExpired at Start() and every
// rescue_interval_ms; each rescue counts as a failed attempt (RETRYING after a backoff, or FAILED
// when none are left), and wakes the workers. It is a maintenance loop: each interval it asks
// Store::LeaderTryAcquire() first and rescues only while this node leads (always on SQLite),
// logging each change of leadership. When the store cannot answer, it rescues anyway: a rescue
// is one transaction over expired leases only, so two nodes rescuing at once is harmless.
// Start/Stop are idempotent; Stop before Start is fine. Thread-safety: Start/Stop from any
// thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/work/pool_shared.h"

namespace conveyor {

class LeaseRescuer {
 public:
  explicit LeaseRescuer(PoolShared& shared) : shared_(shared) {}
  ~LeaseRescuer();

  void Start();
  void Stop();
  // One pass; returns how many jobs were rescued. Exposed for tests.
  int RescueOnce();

 private:
  void Loop();
  // Asks the store; logs when the answer changes. Called on the rescuer's thread only.
  bool IsLeader();

  PoolShared& shared_;
  bool leader_ = false;       // the last answer, for change logs (rescuer thread only)
  bool leader_error_ = false; // the store failed to answer last time (rescuer thread only)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace conveyor
