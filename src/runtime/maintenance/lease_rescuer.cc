#include "runtime/maintenance/lease_rescuer.h"

#include <chrono>
#include <string>
#include <utility>

#include "observability/log.h"
#include "runtime/job_transitions.h"

namespace conveyor {

namespace {

constexpr int kRescueLimit = 1000;

}  // namespace

LeaseRescuer::LeaseRescuer(Store& store, const Clock& clock, const RuntimeConfig& config,
                           std::function<void()> on_rescued)
    : PeriodicService(std::chrono::milliseconds(config.rescue_interval_ms)),
      store_(store),
      clock_(clock),
      config_(config),
      on_rescued_(std::move(on_rescued)) {}

LeaseRescuer::~LeaseRescuer() { Stop(); }

// The store answers ids only: each job is read back for its line. A rescued job was RETRYING
// or FAILED when the rescue committed; read later, a retrying one may already have moved on
// (PENDING, RUNNING again), and is still logged as retrying. The attempt's end is unknown (its
// worker vanished), so the line has no duration_s.
void LeaseRescuer::PublishRescued(const std::string& id) {
  Result<Job> job = store_.JobGet(id);
  if (!job.ok()) {
    log::Warn("job.rescued_unread", {{"job_id", id}, {"error", job.status().ToString()}});
    return;
  }
  const auto kind = job->state == JobState::kFailed ? observability::JobEventKind::kFailed
                                                    : observability::JobEventKind::kRetrying;
  PublishAttemptEnd(kind, *job, std::nullopt, 0, job->error.value_or("lease expired"));
}

int LeaseRescuer::RescueOnce() {
  int total = 0;
  for (;;) {
    Result<std::vector<std::string>> r = store_.JobRescueExpired(
        {.now = clock_.NowMs(), .limit = kRescueLimit, .retry_delay_ms = config_.retry.Delay(1)});
    if (!r.ok()) {
      log::Warn("lease.rescue_failed", {{"error", r.status().ToString()}});
      break;
    }
    for (const std::string& id : *r) PublishRescued(id);
    total += static_cast<int>(r->size());
    if (static_cast<int>(r->size()) < kRescueLimit) break;  // more may wait when the page was full
  }
  if (total > 0 && on_rescued_) on_rescued_();
  return total;
}

bool LeaseRescuer::IsLeader() {
  Result<bool> r = store_.LeaderTryAcquire();
  if (!r.ok()) {
    if (!leader_error_) {
      log::Warn("leadership.unknown", {{"error", r.status().ToString()},
                                       {"action", "rescuing expired leases anyway"}});
    }
    leader_error_ = true;
    return true;
  }
  leader_error_ = false;
  if (*r != leader_) {
    log::Info(*r ? "leadership.acquired" : "leadership.lost");
  }
  leader_ = *r;
  return leader_;
}

void LeaseRescuer::RunOnce() {
  if (IsLeader()) RescueOnce();
}

}  // namespace conveyor
