// KeyLimiter: rate limits per API key — requests per window and jobs submitted per window — in
// fixed windows aligned to the epoch (the same windows as the queues' rate limits). A key's own
// limits (set when it is made) win. Otherwise a tenant's key spends its tenant's budget at its
// plan's limits (--plan-rate, --plan-jobs-rate; DefaultPlanLimits), shared by every key of the
// tenant so that more keys do not buy more quota; and any other key the server's defaults
// (--key-rate, --key-jobs-rate).
//
// Charge() decides on this node's counters alone (a hash lookup under a mutex: cheap on every
// request). On a shared store (PostgreSQL, several nodes) a sync every 100 ms adds each key's
// local use to the store's count for its window and reads back the total over every node, so
// the nodes share one budget: a burst inside one sync interval may pass a limit by what the
// other nodes admitted meanwhile, never more. On SQLite one process holds every count: exact.
//
// Thread-safety: Charge() from any thread; the sync runs on the PeriodicService's thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "runtime/auth/key_ring.h"
#include "runtime/maintenance/periodic_service.h"
#include "store/store.h"

namespace conveyor::auth {

struct KeyLimits {
  std::optional<RateLimit> rate;       // requests
  std::optional<RateLimit> jobs_rate;  // jobs submitted
};

// Limits per plan (tenants.h), by plan name; a plan absent or without a limit of a kind has none.
using PlanLimits = std::map<std::string, KeyLimits, std::less<>>;
// free < pro < business < enterprise: requests 10, 50, 200, 1000 a second; jobs 60, 600, 3,000,
// 20,000 a minute.
PlanLimits DefaultPlanLimits();

struct LimitVerdict {
  bool allowed = true;
  RateLimit limit;
  int64_t remaining = 0;  // in the current window, after this charge when allowed
  TimeMs reset_ms = 0;    // until the window ends
};

class KeyLimiter : public PeriodicService {
 public:
  // `shared`: other nodes use the same store (PostgreSQL): sync counts through it.
  KeyLimiter(Store& store, const Clock& clock, KeyLimits defaults, PlanLimits plans, bool shared);
  ~KeyLimiter() override;

  // Charges `n` against the key's limit of that kind; nullopt when the key has none.
  std::optional<LimitVerdict> Charge(const Principal& key, ApiKeyUsageKind kind, int64_t n);

 private:
  struct Counter {
    std::string key_id;  // the budget's: a key's id, or "tenant:<name>"
    ApiKeyUsageKind kind = ApiKeyUsageKind::kRequests;
    TimeMs window_start = 0;
    TimeMs period_ms = 1;
    int64_t shared_used = 0;  // every node's use as last read from the store (ours included)
    int64_t pending = 0;      // admitted here, not yet added to the store
  };

  void RunOnce() override;
  void Sync(Counter snapshot);

  Store& store_;
  const Clock& clock_;
  const KeyLimits defaults_;
  const PlanLimits plans_;
  const bool shared_;
  std::mutex mu_;
  std::unordered_map<std::string, Counter> counters_;  // by key id + kind; guarded by mu_
};

}  // namespace conveyor::auth
