// The backend-agnostic rules of the job operations that SqliteStore and PostgresStore share: the
// row both read a job into, the decisions each takes in C++ once it has loaded a row, and the
// errors both answer with. SQL text and driver calls stay in each store.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor {

// A job as stored, with its row sequence number (insert order; the claim's last tie-breaker).
struct JobRow {
  int64_t seq = 0;
  Job job;
};

// The error a job records when its lease expired and a rescue moved it on.
inline constexpr std::string_view kLeaseExpiredError = "lease expired (worker lost)";
// The message of the event a waiting job records when its expires_at passed (JobExpireDue).
inline constexpr std::string_view kExpiredMessage = "expired: expires_at passed before it started";

// NotFound "job <id> not found".
Status NotFoundJob(const std::string& id);
// Conflict for a guarded update whose lease token no longer matches; `state` is the job's stored
// state.
Status StaleLeaseConflict(const std::string& id, const std::string& state);
// Whether `job` is RUNNING under the lease with `token`.
bool HoldsLease(const Job& job, const std::string& token);
// Whether a failed attempt goes to RETRYING (true) or FAILED.
bool RetriesAfterFailure(const Job& job, const JobFailParams& p);

// Puts claimed rows in claim order (priority, run_at, seq): RETURNING promises no order.
void SortInClaimOrder(std::vector<JobRow>& rows);
// The rows' jobs, moved out.
std::vector<Job> TakeJobs(std::vector<JobRow>&& rows);

// InvalidArgument for a limit outside 1..1000, a negative offset or an empty tenant.
Status ValidateListParams(const JobListParams& p);

// What cancelling a job does.
enum class CancelAction {
  kCancelNow,         // waiting: CANCELLED at once
  kRequestCancel,     // running: flag it, the worker acknowledges
  kAlreadyRequested,  // running and flagged already: no change, no new event
};
// FailedPrecondition for a job that has ended.
Result<CancelAction> ChooseCancel(const Job& job);
// FailedPrecondition unless the job is FAILED, CANCELLED or EXPIRED.
Status CheckRetryable(const Job& job);

}  // namespace conveyor
