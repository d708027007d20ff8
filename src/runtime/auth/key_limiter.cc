#include "runtime/auth/key_limiter.h"

#include <algorithm>
#include <vector>

namespace conveyor::auth {
namespace {

constexpr auto kSyncInterval = std::chrono::milliseconds(100);

std::string CounterKey(const std::string& key_id, ApiKeyUsageKind kind) {
  return key_id + (kind == ApiKeyUsageKind::kJobs ? "/j" : "/r");
}

}  // namespace

PlanLimits DefaultPlanLimits() {
  constexpr TimeMs kSecond = 1000;
  constexpr TimeMs kMinute = 60 * kSecond;
  auto limits = [](int64_t requests, int64_t jobs) {
    return KeyLimits{.rate = RateLimit{requests, kSecond}, .jobs_rate = RateLimit{jobs, kMinute}};
  };
  return {{"free", limits(10, 60)},
          {"pro", limits(50, 600)},
          {"business", limits(200, 3000)},
          {"enterprise", limits(1000, 20000)}};
}

KeyLimiter::KeyLimiter(Store& store, const Clock& clock, KeyLimits defaults, PlanLimits plans,
                       bool shared)
    : PeriodicService(kSyncInterval),
      store_(store),
      clock_(clock),
      defaults_(std::move(defaults)),
      plans_(std::move(plans)),
      shared_(shared) {}

KeyLimiter::~KeyLimiter() { Stop(); }

std::optional<LimitVerdict> KeyLimiter::Charge(const Principal& key, ApiKeyUsageKind kind,
                                               int64_t n) {
  const bool jobs = kind == ApiKeyUsageKind::kJobs;
  auto of = [jobs](const KeyLimits& l) -> const std::optional<RateLimit>& {
    return jobs ? l.jobs_rate : l.rate;
  };
  // Whose budget pays, at which limit (see the file comment).
  const std::optional<RateLimit>* limit = jobs ? &key.jobs_rate : &key.rate;
  std::string budget = key.key_id;
  if (!*limit && !key.tenant.empty()) {
    static const std::optional<RateLimit> kNone;
    const auto plan = plans_.find(key.plan);
    limit = plan == plans_.end() ? &kNone : &of(plan->second);
    budget = "tenant:" + key.tenant;
  } else if (!*limit) {
    limit = &of(defaults_);
  }
  if (!*limit) return std::nullopt;
  const RateLimit& l = **limit;
  const TimeMs now = clock_.NowMs();
  const TimeMs window = now - now % l.period_ms;
  std::lock_guard<std::mutex> lock(mu_);
  Counter& c = counters_[CounterKey(budget, kind)];
  if (c.window_start < window || c.period_ms != l.period_ms) {
    c = Counter{.key_id = budget, .kind = kind, .window_start = window, .period_ms = l.period_ms};
  }
  const int64_t used = c.shared_used + c.pending;
  LimitVerdict v{.limit = l,
                 .reset_ms = std::max<TimeMs>(1, c.window_start + c.period_ms - now)};
  if (used + n > l.max_starts) {
    v.allowed = false;
    v.remaining = std::max<int64_t>(0, l.max_starts - used);
    return v;
  }
  c.pending += n;
  v.remaining = l.max_starts - used - n;
  return v;
}

void KeyLimiter::RunOnce() {
  const TimeMs now = clock_.NowMs();
  std::vector<Counter> to_sync;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Windows that ended a period ago are gone: the map holds at most the keys in use.
    std::erase_if(counters_, [now](const auto& entry) {
      return entry.second.window_start + 2 * entry.second.period_ms <= now;
    });
    if (!shared_) return;
    for (const auto& [_, c] : counters_) {
      if (c.window_start + c.period_ms > now) to_sync.push_back(c);  // current windows only
    }
  }
  for (Counter& c : to_sync) Sync(std::move(c));
}

// Adds what this node admitted since the last sync and reads every node's total. A store fault
// leaves the local counts as they are (the limit still holds on this node) until the next sync.
void KeyLimiter::Sync(Counter snapshot) {
  Result<ApiKeyUsage> stored = store_.ApiKeyUsageAdd({.key_id = snapshot.key_id,
                                                      .kind = snapshot.kind,
                                                      .window_start = snapshot.window_start,
                                                      .add = snapshot.pending});
  if (!stored.ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find(CounterKey(snapshot.key_id, snapshot.kind));
  if (it == counters_.end()) return;
  Counter& c = it->second;
  if (stored->window_start > c.window_start) {  // another node's clock is ahead: follow it
    c.window_start = stored->window_start;
    c.shared_used = stored->used;
    c.pending = 0;
  } else if (stored->window_start == c.window_start && c.window_start == snapshot.window_start) {
    c.shared_used = stored->used;
    c.pending -= snapshot.pending;  // what was admitted during the sync stays pending
  }
}

}  // namespace conveyor::auth
