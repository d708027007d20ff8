// Tenants on SQLite: the SQL and the operations (contracts in store.h).
#include "store/sqlite/sqlite_tenants.h"

#include "store/store_api_key_rows.h"

namespace conveyor::sqlite_ops {
namespace {

// Creates unless the table is full (no row back then), or changes the plan of an existing one.
// One writer, so the count and the latest updated_at cannot move under the statement.
constexpr const char* kSet =
    "INSERT INTO tenants (name, plan, created_at, updated_at) SELECT ?1, ?2, ?3, ?4"
    " WHERE (SELECT count(*) FROM tenants) < ?5 OR EXISTS (SELECT 1 FROM tenants WHERE name = ?1)"
    " ON CONFLICT (name) DO UPDATE SET plan = excluded.plan,"
    " updated_at = max(excluded.updated_at, (SELECT max(updated_at) FROM tenants) + 1)"
    " RETURNING " CONVEYOR_TENANT_COLUMNS;
constexpr const char* kList = "SELECT " CONVEYOR_TENANT_COLUMNS " FROM tenants ORDER BY name";

#undef CONVEYOR_TENANT_COLUMNS

}  // namespace

Result<TenantRow> TenantSet(SqliteConnection& c, const TenantRow& row, int64_t max_tenants) {
  auto st = c.Prepare(kSet);
  if (!st.ok()) return st.status();
  st->BindText(1, row.name);
  st->BindText(2, row.plan);
  st->BindInt(3, row.created_at);
  st->BindInt(4, row.updated_at);
  st->BindInt(5, max_tenants);
  Result<bool> stored = st->Step();
  if (!stored.ok()) return stored.status();
  if (!*stored) return TenantLimitReached(max_tenants);
  TenantRow out = ReadTenantRow(*st);
  if (Status rest = st->Run(); !rest.ok()) return rest;  // finish the statement
  return out;
}

Result<std::vector<TenantRow>> TenantList(SqliteConnection& c) {
  auto st = c.Prepare(kList);
  if (!st.ok()) return st.status();
  std::vector<TenantRow> out;
  Status s = st->ForEachRow([&](const SqliteStatement& row) { out.push_back(ReadTenantRow(row)); });
  if (!s.ok()) return s;
  return out;
}

}  // namespace conveyor::sqlite_ops
