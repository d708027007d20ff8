// The API-key row reader and messages both stores share. Each backend's key SELECTs list the
// columns in the order written here (sqlite_api_keys.cc, pg_api_keys.cc). Pure; thread-safe.
#pragma once

#include "store/store.h"

// The columns every API-key SELECT lists, in the order ReadApiKeyRow reads.
#define CONVEYOR_API_KEY_COLUMNS                                                          \
  "id, name, secret_sha256, scopes, job_types, created_at, expires_at, revoked_at, " \
  "last_used_at"

namespace conveyor {

// REQUIRES: the columns are CONVEYOR_API_KEY_COLUMNS.
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
                   .last_used_at = r.OptInt(8)};
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

}  // namespace conveyor
