// Queues as rows, and rate limits: what the claim reads before it starts anything.
//
// A queue is made by the first job submitted to it (weight 1, no limit); seed 003's plan queues
// (queue:free 1, queue:pro 5, queue:business 7, queue:enterprise 10) and `default` exist from
// the start. Under saturation each queue gets starts in proportion to its weight (an idle
// queue's share goes to the others); a paused queue starts nothing; a concurrency limit caps
// the RUNNING jobs of the queue across every node; a rate limit caps starts per fixed window.
// Plain value types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job_state.h"

namespace conveyor {

inline constexpr int kMinQueueWeight = 1;
inline constexpr int kMaxQueueWeight = 1000;
// Queue rows, at most: the claim looks at every unpaused queue, so their number is bounded.
inline constexpr int64_t kMaxQueues = 10000;

// At most `max_starts` starts in each window of `period_ms`, windows aligned to the Unix epoch
// (BullMQ's limiter; a burst across a window boundary may reach twice the limit).
struct RateLimit {
  int64_t max_starts = 0;  // >= 1
  TimeMs period_ms = 0;    // >= 1
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

enum class RateLimitKind { kQueue, kType };
const char* RateLimitKindName(RateLimitKind k);  // "queue" | "type"

// A rate limit with its current window.
struct RateLimitRow {
  RateLimitKind kind = RateLimitKind::kType;
  std::string name;  // the queue or the job type
  RateLimit limit;
  TimeMs window_start = 0;  // the window `used` counts in
  int64_t used = 0;
  // Starts still allowed at `now`, and when the next window opens. None while `now` lies before
  // a window another claim already opened (its clock read came first): reopening the older
  // window would give both windows a fresh budget.
  int64_t Budget(TimeMs now) const;
  TimeMs NextWindow(TimeMs now) const;
};

// A queue's own retention ages (runtime/maintenance/pruner.h), counted from finished_at:
// nullopt keeps the node's --retain-* age for that state, 0 keeps the queue's jobs for ever.
struct QueueRetention {
  std::optional<TimeMs> succeeded_ms;
  std::optional<TimeMs> failed_ms;
  std::optional<TimeMs> cancelled_ms;
  std::optional<TimeMs> expired_ms;
  // The age set for a finished state; nullopt for one not set (and every other state).
  std::optional<TimeMs> Of(JobState state) const;
  friend bool operator==(const QueueRetention&, const QueueRetention&) = default;
};

// A change to a queue's retention: absent fields unchanged, an inner nullopt clears one.
struct QueueRetentionPatch {
  std::optional<std::optional<TimeMs>> succeeded_ms;
  std::optional<std::optional<TimeMs>> failed_ms;
  std::optional<std::optional<TimeMs>> cancelled_ms;
  std::optional<std::optional<TimeMs>> expired_ms;
  void ApplyTo(QueueRetention& r) const;
};

struct QueueSettings {
  std::string name;
  int weight = 1;
  std::optional<int> concurrency_limit;  // RUNNING jobs of this queue across all nodes
  bool paused = false;
  // Defaults for the queue's jobs that set none (else the server's).
  std::optional<int> max_attempts;
  std::optional<int> timeout_s;
  std::optional<RateLimit> rate_limit;  // from rate_limits (kind 'queue')
  QueueRetention retention;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// A change to one queue; a queue that does not exist is created with it. Absent: unchanged;
// an inner nullopt clears the setting.
struct QueuePatchParams {
  std::string name;
  std::optional<int> weight;
  std::optional<std::optional<int>> concurrency_limit;
  std::optional<bool> paused;
  std::optional<std::optional<int>> max_attempts;
  std::optional<std::optional<int>> timeout_s;
  std::optional<std::optional<RateLimit>> rate_limit;
  QueueRetentionPatch retention;
  TimeMs now = 0;
};

struct RateLimitSetParams {
  RateLimitKind kind = RateLimitKind::kType;
  std::string name;
  std::optional<RateLimit> limit;  // nullopt: remove
};

// What GET /api/v1/queues shows of one queue's jobs.
struct QueueStats {
  std::string name;
  std::map<JobState, int64_t> by_state;    // states with no job are absent
  int64_t finished_last_minute = 0;        // jobs that reached a terminal state in the last 60 s
  std::optional<TimeMs> oldest_waiting_run_at;  // earliest due time of a waiting job
};

}  // namespace conveyor
