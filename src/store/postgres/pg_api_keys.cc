// API keys on PostgreSQL: the SQL and the operations (contracts in store.h).
#include "store/postgres/pg_api_keys.h"

#include "store/store_api_key_rows.h"

namespace conveyor::pg_ops {
namespace {

// Two nodes creating at once may each see room for one more: the limit bounds the table, it is
// not exact under concurrent creates.
constexpr const char* kInsert =
    "INSERT INTO api_keys (id, name, secret_sha256, scopes, job_types, created_at, expires_at)"
    " SELECT $1, $2, $3, $4, $5, $6::bigint, $7::bigint"
    " WHERE (SELECT count(*) FROM api_keys) < $8::bigint"
    " ON CONFLICT DO NOTHING RETURNING id";
constexpr const char* kExists = "SELECT count(*) FROM api_keys WHERE name = $1";
constexpr const char* kList =
    "SELECT " CONVEYOR_API_KEY_COLUMNS " FROM api_keys ORDER BY name COLLATE \"C\"";
constexpr const char* kRevoke =
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2::bigint) WHERE name = $1"
    " RETURNING " CONVEYOR_API_KEY_COLUMNS;
constexpr const char* kVersion = "SELECT count(*), count(revoked_at) FROM api_keys";
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
  Result<PgResult> r =
      c.Exec(kInsert, {row.id, row.name, row.secret_sha256, row.scopes, row.job_types,
                       PgInt(row.created_at), PgOptInt(row.expires_at), PgInt(max_keys)});
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
  return ApiKeysVersion{.keys = r->Int(0, 0), .revoked = r->Int(0, 1)};
}

Result<bool> ApiKeysTouch(PgConnection& c, const std::vector<ApiKeyUse>& uses) {
  for (const ApiKeyUse& use : uses) {
    if (Result<PgResult> r = c.Exec(kTouch, {use.id, PgInt(use.at)}); !r.ok()) return r.status();
  }
  return true;
}

}  // namespace conveyor::pg_ops
