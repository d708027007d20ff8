#include "core/job_state.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace conveyor {

std::string_view ToString(JobState state) {
  switch (state) {
    case JobState::kScheduled: return "SCHEDULED";
    case JobState::kPending: return "PENDING";
    case JobState::kRunning: return "RUNNING";
    case JobState::kSucceeded: return "SUCCEEDED";
    case JobState::kRetrying: return "RETRYING";
    case JobState::kFailed: return "FAILED";
    case JobState::kCancelled: return "CANCELLED";
    case JobState::kExpired: return "EXPIRED";
    case JobState::kBlocked: return "BLOCKED";
  }
  return "UNKNOWN";
}

std::optional<JobState> ParseJobState(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::array<std::pair<std::string_view, JobState>, 16> kNames{{
      {"SCHEDULED", JobState::kScheduled},   {"PENDING", JobState::kPending},
      {"QUEUED", JobState::kPending},        {"RUNNING", JobState::kRunning},
      {"IN_PROGRESS", JobState::kRunning},   {"PROCESSING", JobState::kRunning},
      {"SUCCEEDED", JobState::kSucceeded},   {"SUCCESS", JobState::kSucceeded},
      {"COMPLETED", JobState::kSucceeded},   {"RETRYING", JobState::kRetrying},
      {"FAILED", JobState::kFailed},         {"CANCELLED", JobState::kCancelled},
      {"CANCELED", JobState::kCancelled},    {"EXPIRED", JobState::kExpired},
      {"FAILURE", JobState::kFailed},        {"BLOCKED", JobState::kBlocked},
  }};
  for (const auto& [name, state] : kNames) {
    if (name == upper) return state;
  }
  return std::nullopt;
}

bool IsTerminal(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kCancelled ||
         s == JobState::kExpired;
}

bool IsWaiting(JobState s) {
  return s == JobState::kScheduled || s == JobState::kPending || s == JobState::kRetrying;
}

bool IsNotStarted(JobState s) { return IsWaiting(s) || s == JobState::kBlocked; }

bool CanTransition(JobState from, JobState to) {
  using S = JobState;
  switch (from) {
    case S::kScheduled:
    case S::kPending:
    case S::kRetrying:
      return to == S::kPending || to == S::kRunning || to == S::kCancelled || to == S::kExpired;
    case S::kRunning:
      return to == S::kSucceeded || to == S::kRetrying || to == S::kFailed ||
             to == S::kCancelled;
    case S::kFailed:
    case S::kCancelled:
    case S::kExpired:
      return to == S::kPending;
    case S::kSucceeded:
      return false;
    case S::kBlocked:
      return to == S::kPending || to == S::kScheduled || to == S::kCancelled || to == S::kExpired;
  }
  return false;
}

}  // namespace conveyor
