// The tenants-table operations of SqliteStore (sqlite_tenants.cc, which holds their SQL): see
// the Tenant* methods of Store for the contracts.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

Result<TenantRow> TenantSet(SqliteConnection& c, const TenantRow& row, int64_t max_tenants);
Result<std::vector<TenantRow>> TenantList(SqliteConnection& c);

}  // namespace conveyor::sqlite_ops
