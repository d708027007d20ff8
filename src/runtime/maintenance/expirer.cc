#include "runtime/maintenance/expirer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "observability/log.h"
#include "runtime/job_transitions.h"

namespace conveyor {

namespace {

constexpr int kExpireLimit = 1000;

}  // namespace

Expirer::Expirer(Store& store, const Clock& clock, std::function<void()> on_expired)
    : PeriodicService(kMaxWait), store_(store), clock_(clock), on_expired_(std::move(on_expired)) {}

Expirer::~Expirer() { Stop(); }

// The store answers ids only: each job is read back for its line (type, queue, correlation id).
// Expiries are rare and bounded per pass, unlike the hot path's transitions.
void Expirer::PublishExpired(const std::string& id) {
  Result<Job> job = store_.JobGet(id);
  if (!job.ok()) {
    log::Warn("job.expired_unread", {{"job_id", id}, {"error", job.status().ToString()}});
    return;
  }
  PublishPlain(observability::JobEventKind::kExpired, *job);
}

int Expirer::ExpireOnce() {
  int total = 0;
  for (;;) {
    Result<std::vector<std::string>> r =
        store_.JobExpireDue({.now = clock_.NowMs(), .limit = kExpireLimit});
    if (!r.ok()) {
      log::Warn("expiry.failed", {{"error", r.status().ToString()}});
      break;
    }
    for (const std::string& id : *r) PublishExpired(id);
    total += static_cast<int>(r->size());
    if (static_cast<int>(r->size()) < kExpireLimit) break;  // more may wait when the page was full
  }
  if (total > 0 && on_expired_) on_expired_();
  return total;
}

void Expirer::RunOnce() {
  Result<bool> r = store_.LeaderTryAcquire();
  if (!r.ok() && !leader_error_) {
    log::Warn("expiry.leadership_unknown",
              {{"error", r.status().ToString()}, {"action", "expiring nothing until it answers"}});
  }
  leader_error_ = !r.ok();
  leader_ = r.ok() && *r;
  if (!leader_) return;
  // Only a pass with something due writes: an idle leader costs one index probe per wake-up,
  // not a write transaction through the store's writer.
  Result<std::optional<TimeMs>> next = store_.JobNextExpiry();
  if (next.ok() && (!next->has_value() || **next > clock_.NowMs())) return;
  ExpireOnce();
}

std::chrono::milliseconds Expirer::NextWait() { return leader_ ? UntilNextExpiry() : kMaxWait; }

std::chrono::milliseconds Expirer::UntilNextExpiry() {
  Result<std::optional<TimeMs>> next = store_.JobNextExpiry();
  if (!next.ok() || !next->has_value()) return kMaxWait;
  // +1: expires_at <= now is due, so waking exactly at it finds the job due.
  const TimeMs wait = **next - clock_.NowMs() + 1;
  return std::chrono::milliseconds(std::clamp<TimeMs>(wait, 1, kMaxWait.count()));
}

}  // namespace conveyor
