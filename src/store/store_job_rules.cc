#include "store/store_job_rules.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace conveyor {

Status NotFoundJob(const std::string& id) { return Status::NotFound("job " + id + " not found"); }

Status StaleLeaseConflict(const std::string& id, const std::string& state) {
  return Status::Conflict("the lease token for job " + id +
                          " is stale: another attempt holds the job or it has ended (it is " +
                          state + ")");
}

bool HoldsLease(const Job& job, const std::string& token) {
  return job.state == JobState::kRunning && job.lease && job.lease->token == token;
}

bool RetriesAfterFailure(const Job& job, const JobFailParams& p) {
  return p.retryable && job.attempt < job.max_attempts;
}

void SortInClaimOrder(std::vector<JobRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
    return std::tie(a.job.priority, a.job.run_at, a.seq) <
           std::tie(b.job.priority, b.job.run_at, b.seq);
  });
}

std::vector<Job> TakeJobs(std::vector<JobRow>&& rows) {
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (JobRow& row : rows) jobs.push_back(std::move(row.job));
  return jobs;
}

Status ValidateListParams(const JobListParams& p) {
  if (p.limit < 1 || p.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000");
  }
  if (p.offset < 0) return Status::InvalidArgument("offset must be 0 or more");
  // Jobs without a tenant are not in jobs_tenant, which every tenant listing walks.
  if (p.tenant && p.tenant->empty()) {
    return Status::InvalidArgument("tenant must name a tenant (omit it to list every job)");
  }
  return Status::Ok();
}

Result<CancelAction> ChooseCancel(const Job& job) {
  if (IsNotStarted(job.state)) return CancelAction::kCancelNow;
  if (job.state == JobState::kRunning) {
    return job.cancel_requested ? CancelAction::kAlreadyRequested : CancelAction::kRequestCancel;
  }
  return Status::FailedPrecondition("job " + job.id + " is already " +
                                    std::string(ToString(job.state)) +
                                    "; only waiting or running jobs can be cancelled");
}

Status CheckRetryable(const Job& job) {
  const JobState s = job.state;
  if (s == JobState::kFailed || s == JobState::kCancelled || s == JobState::kExpired) {
    return Status::Ok();
  }
  return Status::FailedPrecondition("job " + job.id + " is " + std::string(ToString(s)) +
                                    "; only FAILED, CANCELLED or EXPIRED jobs can be retried");
}

}  // namespace conveyor
