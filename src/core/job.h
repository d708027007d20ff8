// Job: one unit of work as the store keeps it, plus JobEvent, one line of its audit trail.
// Plain value types. JSON fields (payload, result) are kept as serialized text: core does not
// parse JSON; the API and handlers do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/dialect.h"
#include "core/job_state.h"

namespace conveyor {

inline constexpr int kDefaultPriority = 5;  // 1 highest … 10 lowest
inline constexpr int kMinPriority = 1;
inline constexpr int kMaxPriority = 10;
inline constexpr const char* kDefaultQueue = "default";
// A job may wait on at most this many others (depends_on); the store holds every submit to it.
inline constexpr size_t kMaxDependencies = 100;

struct Lease {
  std::string owner;   // worker id, e.g. "node-1/w3"
  std::string token;   // fencing token: complete/fail must present it
  TimeMs expires_at = 0;
};

struct Job {
  std::string id;  // UUIDv7
  std::string type;
  std::string queue = kDefaultQueue;
  std::string payload = "{}";  // JSON text
  JobState state = JobState::kPending;
  int priority = kDefaultPriority;
  int attempt = 0;  // attempts started so far
  int max_attempts = 3;
  TimeMs run_at = 0;  // due time; for waiting jobs the earliest time a worker may start it
  std::optional<TimeMs> expires_at;
  int timeout_s = 300;  // per attempt
  std::optional<std::string> idempotency_key;
  std::optional<std::string> correlation_id;
  std::optional<std::string> webhook_url;
  std::vector<std::string> depends_on;
  std::vector<std::string> tags;
  double progress = 0;  // 0..100, fractions allowed (65.5)
  std::optional<std::string> message;
  std::optional<std::string> current_step;
  std::optional<std::string> result;  // JSON text
  std::optional<std::string> result_ref;
  std::optional<std::string> error;
  TimeMs created_at = 0;
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> finished_at;
  TimeMs updated_at = 0;
  std::optional<Lease> lease;  // set while RUNNING
  bool cancel_requested = false;
  // The vocabulary the job was submitted in, and so is answered in (core/dialect.h).
  Dialect dialect = Dialect::kSucceeded;
  // Fingerprint of the submission, to tell an idempotent replay from a conflicting reuse of a key.
  std::string request_hash;
  // The tenant whose key submitted the job ("" : none — an admin's, a schedule's, or any job on
  // a server without tenants). Idempotency keys are unique per tenant; a tenant's key sees only
  // its tenant's jobs (runtime/auth/tenants.h).
  std::string tenant;
  // The W3C traceparent the submitter sent (version-00 form); unset: the job's trace is its own,
  // derived from its id. Read it through JobTraceParent (core/trace_context.h); outgoing calls
  // carry its trace-id.
  std::optional<std::string> traceparent;
  std::optional<std::string> tracestate;  // W3C tracestate as the submitter sent it, if valid
};

struct JobEvent {
  TimeMs at = 0;
  std::optional<JobState> from;  // empty for the insert
  JobState to = JobState::kPending;
  int attempt = 0;
  std::string message;  // e.g. the error of a failed attempt, "cancel requested"
};

}  // namespace conveyor
