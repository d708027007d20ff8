#include "api/tenant_scope.h"

#include <string>

#include "core/ids.h"
#include "runtime/auth/tenants.h"
#include "runtime/job_service.h"
#include "store/store_job_rules.h"

namespace conveyor::api {
namespace {

bool HasTenant(const auth::Principal* key) { return key != nullptr && !key->tenant.empty(); }

}  // namespace

std::optional<ApiError> ScopeSubmit(const auth::Principal* key, std::vector<JobSpec>* specs) {
  if (!HasTenant(key)) return std::nullopt;
  const std::string queue = auth::PlanQueue(key->plan);
  for (JobSpec& spec : *specs) {
    if (spec.origin.queue_named && spec.queue != queue) {
      return ApiError{ErrorKind::kForbidden,
                      "this key's tenant " + key->tenant + " is on the " + key->plan +
                          " plan: its jobs run in queue '" + queue + "', not '" + spec.queue +
                          "'; leave queue and plan out, or change the tenant's plan"};
    }
    spec.queue = queue;
    spec.tenant = key->tenant;
  }
  return std::nullopt;
}

std::optional<ApiError> ScopeJobRoute(const auth::Principal* key, JobService& jobs,
                                      std::string_view id) {
  if (!HasTenant(key) || !IsValidUuid(id)) return std::nullopt;
  const std::string job_id(id);
  const Result<Job> job = jobs.Get(job_id);
  if (!job.ok() || job->tenant == key->tenant) return std::nullopt;
  return ErrorFromStatus(NotFoundJob(job_id));
}

void ScopeList(const auth::Principal* key, JobListParams* params) {
  if (HasTenant(key)) params->tenant = key->tenant;
}

}  // namespace conveyor::api
