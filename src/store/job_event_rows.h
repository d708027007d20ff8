// The rows the live event feed reads (runtime/events/event_feed.h): job transitions in the order
// the store numbered them, and the progress of running jobs. Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/job.h"

namespace conveyor {

// One job_events row joined with the job it belongs to (Store::JobEventsAfter).
struct JobEventRow {
  int64_t seq = 0;  // job_events.seq: increasing, never reused while the row exists
  JobEvent event;
  std::string job_id;
  std::string type;
  std::string queue;
  std::string tenant;  // "" for jobs without one
  std::optional<std::string> correlation_id;
  // The job's columns as they are now (the read), not as they were at this transition.
  double progress = 0;
  std::optional<std::string> current_step;
};

// A RUNNING job's progress as last reported (Store::JobRunningProgress).
struct JobProgressRow {
  std::string job_id;
  std::string type;
  std::string queue;
  std::string tenant;
  double progress = 0;
  std::optional<std::string> message;
  std::optional<std::string> current_step;
  TimeMs updated_at = 0;
};

// Upper bounds of one read, so a caller cannot ask a store for an unbounded result.
inline constexpr int kMaxJobEventsRead = 5000;
inline constexpr int kMaxProgressRead = 1000;

}  // namespace conveyor
