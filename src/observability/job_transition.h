// One job transition as this node saw it happen (issue 13, "What users see"): the runtime calls
// Publish after the store committed a transition it made, and Publish fans it out to the
// telemetry that reports what THIS node did — one JSON log line (event, node, job_id, type,
// queue, attempt, step, correlation_id, trace_id) and the seed-002 metrics (jobs_created_total,
// jobs_completed_total, job_duration_seconds, ...). Each node publishes only its own
// transitions, so a cluster's logs and counters add up without double counting; the live event
// stream (GET /api/v1/events) reads the store's job_events instead, which sees every node.
//
// Thread-safety: Publish may be called from any thread, concurrently. It must not block on I/O:
// the log line goes to an asynchronous logger and the metrics are atomic counters.
#pragma once

#include <optional>
#include <string_view>

#include "core/job.h"

namespace conveyor::observability {

enum class JobEventKind {
  kSubmitted,  // inserted (PENDING, SCHEDULED or BLOCKED)
  kStarted,    // an attempt began (claimed by a local worker or leased to an external one)
  kRetrying,   // an attempt failed and another will follow after a backoff
  kSucceeded,
  kFailed,     // terminal: attempts exhausted or a non-retryable error
  kCancelled,
  kExpired,
};
// "submitted", "started", "retrying", "succeeded", "failed", "cancelled", "expired".
std::string_view JobEventName(JobEventKind kind);

struct JobTransition {
  JobEventKind kind;
  const Job& job;  // as it is after the transition (attempt, step, correlation_id, tenant)
  // kStarted: seconds from when the job could first run (max of created_at and run_at) until
  // this attempt started — seed 002's job_queue_wait_seconds.
  std::optional<double> wait_seconds;
  // kSucceeded, kFailed, kRetrying: seconds this attempt ran — job_duration_seconds.
  std::optional<double> run_seconds;
  std::string_view error;  // kRetrying, kFailed: the attempt's error, as stored
};

// Logs the transition (one info line, docs/operations.md "Logs"), counts it (metrics, and the
// per-minute history of job_history.h), then pokes the
// transition listener, if any. Never throws.
void Publish(const JobTransition& transition);

// Called after every Publish, on the publishing thread, once the line and the counters are
// done: a wake-up for the live event stream, which then reads the store. It must be cheap and
// never block. nullptr (the default) removes it; unset, it costs Publish one atomic load.
using TransitionListener = void (*)();
void SetTransitionListener(TransitionListener listener);

}  // namespace conveyor::observability
