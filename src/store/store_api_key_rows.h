// The API-key and tenant row readers and messages both stores share. Each backend's key and
// tenant SELECTs list the columns in the order written here (sqlite_api_keys.cc,
// sqlite_tenants.cc, pg_api_keys.cc, pg_tenants.cc). Pure; thread-safe.
#pragma once

#include "store/store.h"

// The columns every API-key SELECT lists, in the order ReadApiKeyRow reads.
#define CONVEYOR_API_KEY_COLUMNS                                                          \
  "id, name, secret_sha256, scopes, job_types, created_at, expires_at, revoked_at, " \
  "last_used_at, rate_max, rate_period_ms, jobs_rate_max, jobs_rate_period_ms, tenant"
// The columns every tenant SELECT or RETURNING lists, in the order ReadTenantRow reads.
#define CONVEYOR_TENANT_COLUMNS "name, plan, created_at, updated_at"

namespace conveyor {

// REQUIRES: the columns are CONVEYOR_API_KEY_COLUMNS.
// A limit stored as two nullable columns (both set or both null).
template <class Row>
std::optional<RateLimit> ReadRateColumns(const Row& r, int max_col) {
  const std::optional<int64_t> max = r.OptInt(max_col);
  const std::optional<int64_t> period = r.OptInt(max_col + 1);
  if (!max || !period) return std::nullopt;
  return RateLimit{.max_starts = *max, .period_ms = *period};
}

template <class Row>
ApiKeyRow ReadApiKeyRow(const Row& r) {
  return ApiKeyRow{.id = r.Text(0),
                   .name = r.Text(1),
                   .secret_sha256 = r.Text(2),
                   .scopes = r.Text(3),
                   .job_types = r.Text(4),
                   .created_at = r.Int(5),
                   .expires_at = r.OptInt(6),
                   .revoked_at = r.OptInt(7),
                   .last_used_at = r.OptInt(8),
                   .rate = ReadRateColumns(r, 9),
                   .jobs_rate = ReadRateColumns(r, 11),
                   .tenant = r.OptText(13)};
}

// REQUIRES: the columns are CONVEYOR_TENANT_COLUMNS.
template <class Row>
TenantRow ReadTenantRow(const Row& r) {
  return TenantRow{
      .name = r.Text(0), .plan = r.Text(1), .created_at = r.Int(2), .updated_at = r.Int(3)};
}

inline std::optional<int64_t> RateMax(const std::optional<RateLimit>& r) {
  return r ? std::optional<int64_t>(r->max_starts) : std::nullopt;
}
inline std::optional<int64_t> RatePeriod(const std::optional<RateLimit>& r) {
  return r ? std::optional<int64_t>(r->period_ms) : std::nullopt;
}

inline Status ApiKeyExists(const std::string& name) {
  return Status::Conflict("an API key named \"" + name +
                          "\" already exists: revoke it or choose another name");
}
inline Status ApiKeyLimitReached(int64_t max) {
  return Status::ResourceExhausted("the store holds the maximum of " + std::to_string(max) +
                                   " API keys (revoked ones count)");
}
inline Status ApiKeyNotFound(const std::string& name) {
  return Status::NotFound("no API key named \"" + name + "\"");
}
inline Status TenantNotFound(const std::string& name) {
  return Status::NotFound("no tenant named '" + name + "'");
}
inline Status TenantLimitReached(int64_t max) {
  return Status::ResourceExhausted("the store holds the maximum of " + std::to_string(max) +
                                   " tenants");
}

}  // namespace conveyor
