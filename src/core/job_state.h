// JobState and the transitions allowed between states (docs/architecture.md has the diagram).
//
//   SCHEDULED --due--> PENDING --claim--> RUNNING --ok--> SUCCEEDED
//                         ^                  |--error, attempts left--> RETRYING --due--> PENDING
//                         |                  |--error, none left / permanent--> FAILED
//                         |                  |--cancel acknowledged--> CANCELLED
//   FAILED | CANCELLED | EXPIRED --retry (operator)--> PENDING
//   SCHEDULED | PENDING | RETRYING --cancel--> CANCELLED;  --expires_at passed--> EXPIRED
//
// The claim takes due SCHEDULED and RETRYING jobs directly (one transition, one event), so a job
// whose backoff is over reads RETRYING until a worker picks it up.
#pragma once

#include <optional>
#include <string_view>

namespace conveyor {

enum class JobState {
  kScheduled,
  kPending,
  kRunning,
  kSucceeded,
  kRetrying,
  kFailed,
  kCancelled,
  kExpired,
};

// Canonical upper-case names: "SCHEDULED", "PENDING", ...
std::string_view ToString(JobState state);

// Accepts canonical names case-insensitively and the seeds' aliases
// (QUEUED → PENDING; IN_PROGRESS, PROCESSING → RUNNING; SUCCESS, COMPLETED → SUCCEEDED).
std::optional<JobState> ParseJobState(std::string_view text);

bool IsTerminal(JobState state);
// A job a worker may claim once its run_at is due.
bool IsWaiting(JobState state);
bool CanTransition(JobState from, JobState to);

}  // namespace conveyor
