#include "runtime/maintenance/pruner.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

#include "core/time_format.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace conveyor {

namespace {

constexpr std::chrono::milliseconds kMinInterval{1000};
constexpr std::chrono::milliseconds kMaxInterval{60000};

struct StateAge {
  JobState state;
  TimeMs RetentionConfig::*age;
};
constexpr StateAge kStates[] = {{JobState::kSucceeded, &RetentionConfig::succeeded_ms},
                                {JobState::kFailed, &RetentionConfig::failed_ms},
                                {JobState::kCancelled, &RetentionConfig::cancelled_ms},
                                {JobState::kExpired, &RetentionConfig::expired_ms}};

// The per-queue ages of `state`: only queues that set one.
std::map<std::string, TimeMs> QueueAges(const std::vector<QueueSettings>& queues, JobState state) {
  std::map<std::string, TimeMs> ages;
  for (const QueueSettings& q : queues) {
    if (std::optional<TimeMs> age = q.retention.Of(state)) ages.emplace(q.name, *age);
  }
  return ages;
}

// A job id names a directory under the artifact root only when it is one plain path component.
bool IsPlainName(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\\') == std::string::npos;
}

}  // namespace

Pruner::Pruner(Store& store, const Clock& clock, const RuntimeConfig& config)
    : PeriodicService(Interval(config.retention)),
      store_(store),
      clock_(clock),
      retention_(config.retention),
      key_window_ms_(config.idempotency_window_ms),
      artifact_dir_(config.artifact_dir) {}

Pruner::~Pruner() { Stop(); }

std::chrono::milliseconds Pruner::Interval(const RetentionConfig& config) {
  TimeMs shortest = 0;
  for (const StateAge& s : kStates) {
    const TimeMs age = config.*s.age;
    if (age > 0 && (shortest == 0 || age < shortest)) shortest = age;
  }
  if (shortest == 0) return kMaxInterval;  // queues may still set ages of their own
  return std::clamp(std::chrono::milliseconds(shortest / 10), kMinInterval, kMaxInterval);
}

void Pruner::RemoveArtifacts(const std::string& job_id) const {
  if (artifact_dir_.empty() || !IsPlainName(job_id)) return;
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(artifact_dir_) / job_id, ec);
  if (ec) {
    log::Warn("retention.artifacts_left", {{"job_id", job_id}, {"error", ec.message()}});
  }
}

bool Pruner::PruneState(JobState state, TimeMs age_ms,
                        const std::map<std::string, TimeMs>& queue_ages, Tally& tally) {
  JobPruneParams p = {.state = state,
                      .age_ms = age_ms,
                      .queue_age_ms = queue_ages,
                      .key_window_ms = key_window_ms_,
                      .limit = retention_.batch_limit};
  if (KeepsEverything(p)) return true;
  for (;;) {
    p.now = clock_.NowMs();
    Result<JobPruneOutcome> r = store_.JobPrune(p);
    if (!r.ok()) {
      log::Warn("retention.failed", {{"state", ToString(state)}, {"error", r.status().ToString()}});
      return true;  // the next pass tries again
    }
    for (const PrunedJob& job : r->pruned) {
      RemoveArtifacts(job.id);
      if (tally.count == 0 || job.finished_at < tally.oldest_finished_at) {
        tally.oldest_finished_at = job.finished_at;
      }
      ++tally.count;
    }
    observability::metrics::RecordJobsPruned(ToString(state), r->pruned.size());
    if (!r->next_after_seq) return true;
    p.after_seq = *r->next_after_seq;
    if (PauseOrStopped(std::chrono::milliseconds(retention_.batch_pause_ms))) return false;
  }
}

int64_t Pruner::PruneOnce() {
  Result<std::vector<QueueSettings>> queues = store_.QueueList();
  if (!queues.ok()) {
    log::Warn("retention.failed", {{"error", queues.status().ToString()}});
    return 0;
  }
  Tally tally;
  for (const StateAge& s : kStates) {
    if (!PruneState(s.state, retention_.*s.age, QueueAges(*queues, s.state), tally)) break;
  }
  if (tally.count > 0) {
    log::Info("retention.pruned", {{"count", tally.count},
                                   {"oldest_finished_at", FormatRfc3339(tally.oldest_finished_at)}});
  }
  return tally.count;
}

void Pruner::RunOnce() {
  Result<bool> r = store_.LeaderTryAcquire();
  if (!r.ok() && !leader_error_) {
    log::Warn("retention.leadership_unknown",
              {{"error", r.status().ToString()}, {"action", "pruning nothing until it answers"}});
  }
  leader_error_ = !r.ok();
  if (r.ok() && *r) PruneOnce();
}

}  // namespace conveyor
