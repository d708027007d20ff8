// JobState and the transitions allowed between states (docs/architecture.md has the diagram).
//
//   SCHEDULED --due--> PENDING --claim--> RUNNING --ok--> SUCCEEDED
//                         ^                  |--error, attempts left--> RETRYING --due--> PENDING
//                         |                  |--error, none left / permanent--> FAILED
//                         |                  |--cancel acknowledged--> CANCELLED
//   FAILED | CANCELLED | EXPIRED --retry (operator)--> PENDING
//   SCHEDULED | PENDING | RETRYING --cancel--> CANCELLED;  --expires_at passed--> EXPIRED
//   BLOCKED (waiting on its dependencies, docs/scheduling.md)
//     --every dependency SUCCEEDED--> PENDING (SCHEDULED while run_at is ahead)
//     --a dependency FAILED, CANCELLED or EXPIRED; or cancel--> CANCELLED;  --expires_at--> EXPIRED
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
  // Waiting on its dependencies (depends_on): not claimable, not terminal. Last, so the
  // by-state tables (core/dialect.cc) keep their order.
  kBlocked,
};
inline constexpr int kJobStateCount = 9;

// Canonical upper-case names: "SCHEDULED", "PENDING", ...
std::string_view ToString(JobState state);

// Accepts canonical names case-insensitively and the seeds' aliases
// (QUEUED → PENDING; IN_PROGRESS, PROCESSING → RUNNING; SUCCESS, COMPLETED → SUCCEEDED).
std::optional<JobState> ParseJobState(std::string_view text);

bool IsTerminal(JobState state);
// A job a worker may claim once its run_at is due. BLOCKED is not: it waits on its dependencies.
bool IsWaiting(JobState state);
// Not started and not finished: a waiting job, or one BLOCKED on its dependencies. Such a job may
// be cancelled at once and expires when its expires_at passes.
bool IsNotStarted(JobState state);
bool CanTransition(JobState from, JobState to);

}  // namespace conveyor
