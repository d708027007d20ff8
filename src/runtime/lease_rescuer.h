// LeaseRescuer: a background thread that returns jobs whose lease expired — their worker died or
// lost touch with the store — to the queue. Runs JobRescueExpired at Start() and every
// rescue_interval_ms; each rescue counts as a failed attempt (RETRYING after a backoff, or FAILED
// when none are left), and wakes the workers. Start/Stop are idempotent; Stop before Start is
// fine. Thread-safety: Start/Stop from any thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/pool_shared.h"

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

  PoolShared& shared_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace conveyor
