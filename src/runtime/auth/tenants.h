// Tenants and their plans (docs/security.md, "Tenants and plans"). A tenant is a customer whose
// API keys share a plan — seed 003's free, pro, business and enterprise. A tenant's key:
//   - submits jobs that carry its tenant and run in its plan's queue (queue:<plan>, the preset
//     queues of store/queue_types.h, weighted 1/5/7/10);
//   - sees and manages only its tenant's jobs (another tenant's job is a 404, as if it did not
//     exist), and has its own idempotency keys and doc_ids;
//   - spends its tenant's plan limits (key_limiter.h) unless it has limits of its own;
//   - holds only the jobs:* scopes: workers and admin act on every tenant's jobs.
// Creating a tenant and moving it to another plan is what `conveyor tenants` and the admin
// routes (/api/v1/tenants) share; every input is checked here. Blocking (store calls): keep
// them off I/O threads. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "runtime/auth/scopes.h"
#include "store/store.h"

namespace conveyor::auth {

// "free", "pro", "business", "enterprise", cheapest first.
inline constexpr std::string_view kPlans[] = {"free", "pro", "business", "enterprise"};
inline constexpr std::string_view kPlanList = "free, pro, business, enterprise";

bool IsPlan(std::string_view plan);
// "queue:<plan>": where a tenant's jobs run.
std::string PlanQueue(std::string_view plan);

// InvalidArgument naming `field` unless 1-64 of [A-Za-z0-9._-].
Status CheckTenantName(std::string_view name, std::string_view field = "tenant");

// The scopes a tenant's key may hold: jobs:submit, jobs:read, jobs:manage.
inline constexpr ScopeSet kTenantScopes = static_cast<ScopeSet>(Scope::kJobsSubmit) |
                                          static_cast<ScopeSet>(Scope::kJobsRead) |
                                          static_cast<ScopeSet>(Scope::kJobsManage);

// Creates the tenant or moves it to `plan`; returns the stored row.
Result<TenantRow> SetTenant(Store& store, const Clock& clock, const std::string& name,
                            const std::string& plan);

}  // namespace conveyor::auth
