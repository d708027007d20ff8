// Keys resource: API keys and tenants, for admins (docs/security.md). The same operations as
// `conveyor keys`, checked by the same code (runtime/auth/key_admin.h).
//   POST   /keys         {name, scopes, job_types?, expires_in?, rate?, jobs_rate?, tenant?} → 201
//                         with `key`, shown only here
//   GET    /keys         {keys: [...]}: never a key's text or hash
//   DELETE /keys/{name}  revokes it (every node refuses it within about a second)
//   GET    /tenants      {tenants: [{name, plan, queue, ...}]}
//   PUT    /tenants/{name} {plan} creates the tenant or moves it to another plan (runtime/auth/
//                         tenants.h); its keys follow on every node within about a second
// Store calls run on ExternalLeases' helper threads (AsyncStoreCall), never on the I/O thread.
// Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterKeyRoutes(Router& router);

}  // namespace conveyor::api
