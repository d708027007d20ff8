// Creating, listing and revoking API keys: what `conveyor keys` and the admin routes
// (/api/v1/keys) share. Every input is checked here, so both refuse the same things with the
// same sentences (InvalidArgument naming the field). Blocking (store calls): keep them off
// I/O threads. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor::auth {

struct NewKeySpec {
  std::string name;       // 1-64 of [A-Za-z0-9._-]
  std::string scopes;     // "jobs:submit,jobs:read"
  std::string job_types;  // "email.send,reports.*": only with the workers scope; empty: any
  std::optional<std::string> expires_in;  // a duration ("30d"); none: never expires
  std::optional<RateLimit> rate;          // requests; none: the server's default
  std::optional<RateLimit> jobs_rate;     // jobs submitted; none: the server's default
  // The tenant the key acts for (tenants.h): it must exist, and the key may hold only the
  // jobs:* scopes. none: no tenant.
  std::optional<std::string> tenant;
};

struct CreatedKey {
  ApiKeyRow row;
  std::string key;  // the only time the key's text exists outside the client
};

Result<CreatedKey> CreateApiKey(Store& store, const Clock& clock, const NewKeySpec& spec);
Result<ApiKeyRow> RevokeApiKey(Store& store, const Clock& clock, const std::string& name);

// "active", "revoked" or "expired" at `now`.
const char* KeyState(const ApiKeyRow& row, TimeMs now);

}  // namespace conveyor::auth
