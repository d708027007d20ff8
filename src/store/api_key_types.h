// API keys as the store keeps them (runtime/auth/key_ring.h verifies presented keys against
// them). The secret part of a key is never stored: only its SHA-256, so a copy of the database
// does not hand out working keys. Rows are never deleted: a revoked key stays listed with the
// time it was revoked. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/queue_types.h"

namespace conveyor {

struct ApiKeyRow {
  std::string id;             // the public part of the key text ("cvk_<id>_<secret>"), unique
  std::string name;           // unique; how an admin names the key (list, revoke)
  std::string secret_sha256;  // hex SHA-256 of the secret part
  std::string scopes;         // comma-separated scope names (runtime/auth/scopes.h)
  std::string job_types;      // comma-separated allow-list for the workers scope; empty: any
  TimeMs created_at = 0;
  std::optional<TimeMs> expires_at;
  std::optional<TimeMs> revoked_at;
  std::optional<TimeMs> last_used_at;  // recorded lazily (at most about once a minute)
  std::optional<RateLimit> rate;       // requests per window; none: the server's default
  std::optional<RateLimit> jobs_rate;  // jobs submitted per window; none: the server's default
  // The tenant the key belongs to (a TenantRow's name): its jobs carry the tenant, run in the
  // tenant's plan queue, and it sees only them. none: no tenant (sees every job its scopes
  // allow).
  std::optional<std::string> tenant;
};

inline constexpr int64_t kMaxApiKeys = 10000;

// A tenant: a customer whose keys share a plan (free, pro, business, enterprise: seed 003's
// plans, each with its preset queue queue:<plan> and its default rate limits). Rows are never
// deleted (a tenant's jobs keep naming it); a plan may change at any time.
struct TenantRow {
  std::string name;  // 1-64 of [A-Za-z0-9._-], unique
  std::string plan;  // free | pro | business | enterprise
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  bool operator==(const TenantRow&) const = default;
};

inline constexpr int64_t kMaxTenants = 10000;

// What changes when a key is created or revoked, or a tenant created or moved to another plan
// (nothing else changes a key that matters to verification; expiry is a time every node compares
// itself). Nodes reload their keys when it differs from what they last read: one cheap aggregate
// query a poll.
struct ApiKeysVersion {
  int64_t keys = 0;
  int64_t revoked = 0;
  int64_t tenants = 0;
  TimeMs tenants_updated_at = 0;  // the latest updated_at of any tenant (0: none)
  bool operator==(const ApiKeysVersion&) const = default;
};

// A key was used at `at` (ApiKeysTouch keeps the latest time per key).
struct ApiKeyUse {
  std::string id;
  TimeMs at = 0;
};

// What a key spent of one limit in one fixed window, summed over every node
// (runtime/auth/key_limiter.h).
enum class ApiKeyUsageKind { kRequests, kJobs };
const char* ApiKeyUsageKindName(ApiKeyUsageKind kind);  // "requests" | "jobs"

struct ApiKeyUsageAddParams {
  std::string key_id;
  ApiKeyUsageKind kind = ApiKeyUsageKind::kRequests;
  TimeMs window_start = 0;
  int64_t add = 0;  // >= 0
};

// The stored window after an add: the caller's own, or a newer one another node opened.
struct ApiKeyUsage {
  TimeMs window_start = 0;
  int64_t used = 0;
};

}  // namespace conveyor
