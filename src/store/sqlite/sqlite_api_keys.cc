// API keys on SQLite: the SQL and the operations (contracts in store.h).
#include "store/sqlite/sqlite_api_keys.h"

#include "store/store_api_key_rows.h"

namespace conveyor::sqlite_ops {
namespace {

// Inserts unless the name or id is taken or the table is full: no row back then, and the caller
// tells which (one writer, so the count cannot move between the two statements).
constexpr const char* kInsert =
    "INSERT INTO api_keys (id, name, secret_sha256, scopes, job_types, created_at, expires_at,"
    " rate_max, rate_period_ms, jobs_rate_max, jobs_rate_period_ms, tenant)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?10, ?11, ?12, ?13"
    " WHERE (SELECT count(*) FROM api_keys) < ?8"
    " ON CONFLICT DO NOTHING RETURNING id";
constexpr const char* kExists = "SELECT count(*) FROM api_keys WHERE name = ?1";
constexpr const char* kTenantExists = "SELECT count(*) FROM tenants WHERE name = ?1";
constexpr const char* kList = "SELECT " CONVEYOR_API_KEY_COLUMNS " FROM api_keys ORDER BY name";
constexpr const char* kRevoke =
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE name = ?1"
    " RETURNING " CONVEYOR_API_KEY_COLUMNS;
constexpr const char* kVersion =
    "SELECT count(*), count(revoked_at), (SELECT count(*) FROM tenants),"
    " (SELECT coalesce(max(updated_at), 0) FROM tenants) FROM api_keys";
constexpr const char* kUsageAdd =
    "INSERT INTO api_key_usage (key_id, kind, window_start, used) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (key_id, kind) DO UPDATE SET"
    " used = CASE WHEN excluded.window_start > window_start THEN excluded.used"
    "             WHEN excluded.window_start = window_start THEN used + excluded.used"
    "             ELSE used END,"
    " window_start = max(window_start, excluded.window_start)"
    " RETURNING window_start, used";
constexpr const char* kTouch =
    "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1";

#undef CONVEYOR_API_KEY_COLUMNS

Result<std::vector<ApiKeyRow>> Rows(SqliteStatement& st) {
  std::vector<ApiKeyRow> out;
  Status s = st.ForEachRow([&](const SqliteStatement& row) { out.push_back(ReadApiKeyRow(row)); });
  if (!s.ok()) return s;
  return out;
}

// The number of rows of a count(*) with one text parameter.
Result<int64_t> CountOf(SqliteConnection& c, const char* sql, const std::string& name) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.status();
  st->BindText(1, name);
  Result<bool> has = st->Step();
  if (!has.ok()) return has.status();
  return *has ? st->Int(0) : 0;
}

}  // namespace

Status ApiKeyCreate(SqliteConnection& c, const ApiKeyRow& row, int64_t max_keys) {
  // Checked first for the message; the foreign key on api_keys.tenant guards it too.
  if (row.tenant) {
    Result<int64_t> tenants = CountOf(c, kTenantExists, *row.tenant);
    if (!tenants.ok()) return tenants.status();
    if (*tenants == 0) return TenantNotFound(*row.tenant);
  }
  auto st = c.Prepare(kInsert);
  if (!st.ok()) return st.status();
  st->BindText(1, row.id);
  st->BindText(2, row.name);
  st->BindText(3, row.secret_sha256);
  st->BindText(4, row.scopes);
  st->BindText(5, row.job_types);
  st->BindInt(6, row.created_at);
  st->BindOptInt(7, row.expires_at);
  st->BindInt(8, max_keys);
  st->BindOptInt(9, RateMax(row.rate));
  st->BindOptInt(10, RatePeriod(row.rate));
  st->BindOptInt(11, RateMax(row.jobs_rate));
  st->BindOptInt(12, RatePeriod(row.jobs_rate));
  st->BindOptText(13, row.tenant);
  Result<bool> inserted = st->Step();
  if (!inserted.ok()) return inserted.status();
  if (*inserted) return Status::Ok();
  Result<int64_t> named = CountOf(c, kExists, row.name);
  if (!named.ok()) return named.status();
  // An id collision (72 random bits) reads as a name conflict: the caller makes a new key.
  if (*named > 0) return ApiKeyExists(row.name);
  return ApiKeyLimitReached(max_keys);
}

Result<std::vector<ApiKeyRow>> ApiKeyList(SqliteConnection& c) {
  auto st = c.Prepare(kList);
  if (!st.ok()) return st.status();
  return Rows(*st);
}

Result<ApiKeyRow> ApiKeyRevoke(SqliteConnection& c, const std::string& name, TimeMs now) {
  auto st = c.Prepare(kRevoke);
  if (!st.ok()) return st.status();
  st->BindText(1, name);
  st->BindInt(2, now);
  Result<std::vector<ApiKeyRow>> rows = Rows(*st);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return ApiKeyNotFound(name);
  return std::move(rows->front());
}

Result<ApiKeysVersion> ApiKeysVersionGet(SqliteConnection& c) {
  auto st = c.Prepare(kVersion);
  if (!st.ok()) return st.status();
  Result<bool> has = st->Step();
  if (!has.ok()) return has.status();
  return ApiKeysVersion{.keys = st->Int(0),
                        .revoked = st->Int(1),
                        .tenants = st->Int(2),
                        .tenants_updated_at = st->Int(3)};
}

Status ApiKeysTouch(SqliteConnection& c, const std::vector<ApiKeyUse>& uses) {
  for (const ApiKeyUse& use : uses) {
    auto st = c.Prepare(kTouch);
    if (!st.ok()) return st.status();
    st->BindText(1, use.id);
    st->BindInt(2, use.at);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<ApiKeyUsage> ApiKeyUsageAdd(SqliteConnection& c, const ApiKeyUsageAddParams& p) {
  auto st = c.Prepare(kUsageAdd);
  if (!st.ok()) return st.status();
  st->BindText(1, p.key_id);
  st->BindText(2, std::string_view(ApiKeyUsageKindName(p.kind)));
  st->BindInt(3, p.window_start);
  st->BindInt(4, p.add);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("the usage upsert returned no row");
  return ApiKeyUsage{.window_start = st->Int(0), .used = st->Int(1)};
}

}  // namespace conveyor::sqlite_ops
