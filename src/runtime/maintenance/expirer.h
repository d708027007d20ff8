// Expirer: a maintenance service that moves waiting jobs whose expires_at passed to EXPIRED
// (Store::JobExpireDue: an event, and the job.expired webhook delivery when the job has a URL),
// on the leader only. It is woken by a timer at the next expiry, not by a coarse sweep: after
// each pass it asks JobNextExpiry() (one probe of the partial jobs_expiry index) and sleeps until
// then, but at most kMaxWait (200 ms), so a job submitted meanwhile with a nearer expiry — the
// submit path does not wake the expirer — is expired at most that late. While a job waits past
// its expiry for a pass, the claim still never starts it (the store's claim guard).
// Leadership: each pass asks Store::LeaderTryAcquire() (the LeaseRescuer logs its changes); a
// node that does not lead, or cannot tell, expires nothing and checks again after kMaxWait.
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine).
// Thread-safety: Start/Stop from any thread; ExpireOnce from one thread at a time.
#pragma once

#include <chrono>
#include <functional>

#include "core/clock.h"
#include "runtime/maintenance/periodic_service.h"
#include "store/store.h"

namespace conveyor {

class Expirer final : public PeriodicService {
 public:
  static constexpr std::chrono::milliseconds kMaxWait{200};

  // `on_expired` (may be null) runs on the expirer's thread after a pass that expired jobs (the
  // node wakes its webhook dispatcher, since expired jobs may have deliveries due now).
  Expirer(Store& store, const Clock& clock, std::function<void()> on_expired = nullptr);
  ~Expirer() override;

  // One pass regardless of leadership; returns how many jobs expired. Exposed for tests.
  int ExpireOnce();

 private:
  void RunOnce() override;
  void PublishExpired(const std::string& id);
  std::chrono::milliseconds NextWait() override;
  // Until the next expiry, within [1 ms, kMaxWait]. Expirer thread only.
  std::chrono::milliseconds UntilNextExpiry();

  Store& store_;
  const Clock& clock_;
  const std::function<void()> on_expired_;
  bool leader_ = false;        // the last pass's answer (expirer thread only)
  bool leader_error_ = false;  // the store failed to answer last time (expirer thread only)
};

}  // namespace conveyor
