// The tenants-table operations of PostgresStore (pg_tenants.cc, which holds their SQL): see the
// Tenant* methods of Store for the contracts.
//
// Thread-safety: none of their own; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace conveyor::pg_ops {

// REQUIRES: inside a transaction (it locks the table until COMMIT).
Result<TenantRow> TenantSet(PgConnection& c, const TenantRow& row, int64_t max_tenants);
Result<std::vector<TenantRow>> TenantList(PgConnection& c);

}  // namespace conveyor::pg_ops
