#include "runtime/auth/tenants.h"

#include <algorithm>

namespace conveyor::auth {

bool IsPlan(std::string_view plan) {
  return std::find(std::begin(kPlans), std::end(kPlans), plan) != std::end(kPlans);
}

std::string PlanQueue(std::string_view plan) { return "queue:" + std::string(plan); }

Status CheckTenantName(std::string_view name, std::string_view field) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string_view::npos) {
    return Status::InvalidArgument(std::string(field) +
                                   " must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return Status::Ok();
}

Result<TenantRow> SetTenant(Store& store, const Clock& clock, const std::string& name,
                            const std::string& plan) {
  if (Status s = CheckTenantName(name, "name"); !s.ok()) return s;
  if (!IsPlan(plan)) {
    return Status::InvalidArgument("plan must be one of " + std::string(kPlanList) +
                                   " (a tenant's jobs run in the queue queue:<plan>)");
  }
  const TimeMs now = clock.NowMs();
  return store.TenantSet({.name = name, .plan = plan, .created_at = now, .updated_at = now},
                         kMaxTenants);
}

}  // namespace conveyor::auth
