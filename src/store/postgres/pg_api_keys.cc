// API keys on PostgreSQL: the SQL and the operations (contracts in store.h).
#include "store/postgres/pg_api_keys.h"

#include "store/store_api_key_rows.h"

namespace conveyor::pg_ops {
namespace {

// Two nodes creating at once may each see room for one more: the limit bounds the table, it is
// not exact under concurrent creates.
constexpr const char* kInsert =
    "INSERT INTO api_keys (id, name, secret_sha256, scopes, job_types, created_at, expires_at,"
    " rate_max, rate_period_ms, jobs_rate_max, jobs_rate_period_ms, tenant)"
    " SELECT $1, $2, $3, $4, $5, $6::bigint, $7::bigint, $9::bigint, $10::bigint, $11::bigint,"
    " $12::bigint, $13"
    " WHERE (SELECT count(*) FROM api_keys) < $8::bigint"
    " ON CONFLICT DO NOTHING RETURNING id";
constexpr const char* kExists = "SELECT count(*) FROM api_keys WHERE name = $1";
// Tenants are never deleted: one that exists now still does at COMMIT.
constexpr const char* kTenantExists = "SELECT count(*) FROM tenants WHERE name = $1";
constexpr const char* kList =
    "SELECT " CONVEYOR_API_KEY_COLUMNS " FROM api_keys ORDER BY name COLLATE \"C\"";
constexpr const char* kRevoke =
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2::bigint) WHERE name = $1"
    " RETURNING " CONVEYOR_API_KEY_COLUMNS;
constexpr const char* kVersion =
    "SELECT count(*), count(revoked_at), (SELECT count(*) FROM tenants),"
    " (SELECT coalesce(max(updated_at), 0) FROM tenants) FROM api_keys";
constexpr const char* kUsageAdd =
    "INSERT INTO api_key_usage AS u (key_id, kind, window_start, used)"
    " VALUES ($1, $2, $3::bigint, $4::bigint)"
    " ON CONFLICT (key_id, kind) DO UPDATE SET"
    " used = CASE WHEN excluded.window_start > u.window_start THEN excluded.used"
    "             WHEN excluded.window_start = u.window_start THEN u.used + excluded.used"
    "             ELSE u.used END,"
    " window_start = greatest(u.window_start, excluded.window_start)"
    " RETURNING window_start, used";
constexpr const char* kTouch =
    "UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, 0), $2::bigint)"
    " WHERE id = $1";

#undef CONVEYOR_API_KEY_COLUMNS

Result<std::vector<ApiKeyRow>> Rows(Result<PgResult> r) {
  if (!r.ok()) return r.status();
  std::vector<ApiKeyRow> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadApiKeyRow(PgRow(*r, i)));
  return out;
}

}  // namespace

Result<bool> ApiKeyInsert(PgConnection& c, const ApiKeyRow& row, int64_t max_keys) {
  // Checked first for the message; the foreign key on api_keys.tenant guards it too.
  if (row.tenant) {
    Result<PgResult> tenants = c.Exec(kTenantExists, {*row.tenant});
    if (!tenants.ok()) return tenants.status();
    if (tenants->Int(0, 0) == 0) return TenantNotFound(*row.tenant);
  }
  Result<PgResult> r = c.Exec(
      kInsert, {row.id, row.name, row.secret_sha256, row.scopes, row.job_types,
                PgInt(row.created_at), PgOptInt(row.expires_at), PgInt(max_keys),
                PgOptInt(RateMax(row.rate)), PgOptInt(RatePeriod(row.rate)),
                PgOptInt(RateMax(row.jobs_rate)), PgOptInt(RatePeriod(row.jobs_rate)), row.tenant});
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Status ApiKeyCreateRefusal(PgConnection& c, const ApiKeyRow& row, int64_t max_keys) {
  Result<PgResult> exists = c.Exec(kExists, {row.name});
  if (!exists.ok()) return exists.status();
  // An id collision (72 random bits) reads as a name conflict: the caller makes a new key.
  if (exists->Int(0, 0) > 0) return ApiKeyExists(row.name);
  return ApiKeyLimitReached(max_keys);
}

Result<std::vector<ApiKeyRow>> ApiKeyList(PgConnection& c) { return Rows(c.Exec(kList)); }

Result<std::vector<ApiKeyRow>> ApiKeyRevoke(PgConnection& c, const std::string& name, TimeMs now) {
  return Rows(c.Exec(kRevoke, {name, PgInt(now)}));
}

Result<ApiKeysVersion> ApiKeysVersionGet(PgConnection& c) {
  Result<PgResult> r = c.Exec(kVersion);
  if (!r.ok()) return r.status();
  return ApiKeysVersion{.keys = r->Int(0, 0),
                        .revoked = r->Int(0, 1),
                        .tenants = r->Int(0, 2),
                        .tenants_updated_at = r->Int(0, 3)};
}

Result<bool> ApiKeysTouch(PgConnection& c, const std::vector<ApiKeyUse>& uses) {
  for (const ApiKeyUse& use : uses) {
    if (Result<PgResult> r = c.Exec(kTouch, {use.id, PgInt(use.at)}); !r.ok()) return r.status();
  }
  return true;
}

Result<ApiKeyUsage> ApiKeyUsageAdd(PgConnection& c, const ApiKeyUsageAddParams& p) {
  Result<PgResult> r = c.Exec(kUsageAdd, {p.key_id, std::string(ApiKeyUsageKindName(p.kind)),
                                          PgInt(p.window_start), PgInt(p.add)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::Internal("the usage upsert returned no row");
  return ApiKeyUsage{.window_start = r->Int(0, 0), .used = r->Int(0, 1)};
}

}  // namespace conveyor::pg_ops
