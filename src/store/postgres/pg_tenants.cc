// Tenants on PostgreSQL: the SQL and the operations (contracts in store.h).
#include "store/postgres/pg_tenants.h"

#include "store/store_api_key_rows.h"

namespace conveyor::pg_ops {
namespace {

// TenantSet callers on every node take turns (the mode conflicts with itself, not with readers
// nor with the key-share row locks of api_keys' foreign key), so the count bounds the table
// exactly and each change sees the latest updated_at, which it then passes: a plan change always
// moves ApiKeysVersion. Tenant changes are rare admin operations; the wait is nothing.
constexpr const char* kLock = "LOCK TABLE tenants IN SHARE ROW EXCLUSIVE MODE";
// Creates unless the table is full (no row back then), or changes the plan of an existing one.
constexpr const char* kSet =
    "INSERT INTO tenants AS t (name, plan, created_at, updated_at)"
    " SELECT $1, $2, $3::bigint, $4::bigint WHERE (SELECT count(*) FROM tenants) < $5::bigint"
    " OR EXISTS (SELECT 1 FROM tenants WHERE name = $1)"
    " ON CONFLICT (name) DO UPDATE SET plan = excluded.plan,"
    " updated_at = greatest(excluded.updated_at, (SELECT max(updated_at) FROM tenants) + 1)"
    " RETURNING " CONVEYOR_TENANT_COLUMNS;
constexpr const char* kList =
    "SELECT " CONVEYOR_TENANT_COLUMNS " FROM tenants ORDER BY name COLLATE \"C\"";

#undef CONVEYOR_TENANT_COLUMNS

}  // namespace

Result<TenantRow> TenantSet(PgConnection& c, const TenantRow& row, int64_t max_tenants) {
  if (Status s = c.Run(kLock); !s.ok()) return s;
  Result<PgResult> r = c.Exec(
      kSet, {row.name, row.plan, PgInt(row.created_at), PgInt(row.updated_at), PgInt(max_tenants)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return TenantLimitReached(max_tenants);
  return ReadTenantRow(PgRow(*r, 0));
}

Result<std::vector<TenantRow>> TenantList(PgConnection& c) {
  Result<PgResult> r = c.Exec(kList);
  if (!r.ok()) return r.status();
  std::vector<TenantRow> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadTenantRow(PgRow(*r, i)));
  return out;
}

}  // namespace conveyor::pg_ops
