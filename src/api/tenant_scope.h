// What a tenant's key may reach (runtime/auth/tenants.h; docs/security.md "Tenants and plans"):
// its jobs carry its tenant and run in its plan's queue, and it sees and manages only them.
// Another tenant's job is answered exactly as a job that does not exist (the same 404 and
// sentence), so a tenant cannot learn that it exists. A key without a tenant (an admin's, or any
// key on a server without tenants) passes every check unchanged. Thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "runtime/auth/key_ring.h"
#include "runtime/job_spec.h"
#include "store/store.h"

namespace conveyor {
class JobService;
}

namespace conveyor::api {

// Submits: each spec gets the key's tenant and its plan's queue. A 403 when a spec names
// another queue or plan (a free tenant cannot buy an enterprise queue's share by naming it).
std::optional<ApiError> ScopeSubmit(const auth::Principal* key, std::vector<JobSpec>* specs);

// Routes whose path names a job (Router::Match::names_job): the 404 to answer with when `id`
// is another tenant's job. A malformed id or a job that does not exist passes: the route
// answers it as it always does. Reads the job (blocking) for a tenant's key only.
std::optional<ApiError> ScopeJobRoute(const auth::Principal* key, JobService& jobs,
                                      std::string_view id);

// Listings: only the key's tenant's jobs.
void ScopeList(const auth::Principal* key, JobListParams* params);

}  // namespace conveyor::api
