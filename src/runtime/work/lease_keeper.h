// LeaseKeeper: a background thread that keeps this process's claims alive and carries news to
// running handlers. While jobs are held it wakes every min(lease_ms/3, 1 s) and
//   - renews each lease whose last renewal is lease_ms/3 old (JobHeartbeat), sending the
//     progress/message/step the handler reported since; progress alone is sent at most once a
//     second;
//   - flips an attempt's cancel flag when the store says cancel_requested, and marks it lease-lost
//     when the store no longer knows its token;
//   - flags attempts that ran past timeout_s (the handler then reads Cancelled()).
// With nothing held it sleeps until Poke(). Start/Stop are idempotent; Stop before Start is fine.
// Thread-safety: Poke() and Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/work/pool_shared.h"

namespace conveyor {

class LeaseKeeper {
 public:
  explicit LeaseKeeper(PoolShared& shared);
  ~LeaseKeeper();

  void Start();
  void Stop();
  // New jobs are held: start ticking if asleep.
  void Poke();

 private:
  void Loop();
  void Tick();
  void Renew(Attempt& attempt, std::chrono::steady_clock::time_point now);

  PoolShared& shared_;
  const std::chrono::milliseconds beat_every_;
  const std::chrono::milliseconds tick_every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                 // guarded by mu_
  bool poked_ = false;                // guarded by mu_
  std::atomic<bool> idle_{false};     // sleeping with no deadline: Poke must wake it
  std::thread thread_;
};

}  // namespace conveyor
