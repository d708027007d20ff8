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

KeyLimiter::KeyLimiter(Store& store, const Clock& clock, KeyLimits defaults, bool shared)
    : PeriodicService(kSyncInterval),
      store_(store),
      clock_(clock),
      defaults_(std::move(defaults)),
      shared_(shared) {}

KeyLimiter::~KeyLimiter() { Stop(); }

std::optional<LimitVerdict> KeyLimiter::Charge(const Principal& key, ApiKeyUsageKind kind,
                                               int64_t n) {
  const bool jobs = kind == ApiKeyUsageKind::kJobs;
  const std::optional<RateLimit>& own = jobs ? key.jobs_rate : key.rate;
  const std::optional<RateLimit>& limit = own ? own : (jobs ? defaults_.jobs_rate : defaults_.rate);
  if (!limit) return std::nullopt;
  const TimeMs now = clock_.NowMs();
  const TimeMs window = now - now % limit->period_ms;
  std::lock_guard<std::mutex> lock(mu_);
  Counter& c = counters_[CounterKey(key.key_id, kind)];
  if (c.window_start < window || c.period_ms != limit->period_ms) {
    c = Counter{.key_id = key.key_id, .kind = kind, .window_start = window,
                .period_ms = limit->period_ms};
  }
  const int64_t used = c.shared_used + c.pending;
  LimitVerdict v{.limit = *limit,
                 .reset_ms = std::max<TimeMs>(1, c.window_start + c.period_ms - now)};
  if (used + n > limit->max_starts) {
    v.allowed = false;
    v.remaining = std::max<int64_t>(0, limit->max_starts - used);
    return v;
  }
  c.pending += n;
  v.remaining = limit->max_starts - used - n;
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
