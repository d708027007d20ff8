// KeyRing: the API keys as this node checks them. It reads every key from the store at Load(),
// then polls the store's key version twice a second and reloads when a key was created or
// revoked anywhere (so a change made on any node, or by `conveyor keys` beside a running server,
// takes effect here within about a second). Verify() never touches the store: a hash-map
// lookup, one SHA-256 and a constant-time compare. Last use is kept in memory and written to the
// store about once a minute (and at Stop), never a store write per request.
//
// Thread-safety: Verify() and the admin operations may be called from any thread concurrently;
// Load() once before serving; the refresh runs on the PeriodicService's own thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "runtime/auth/key_admin.h"
#include "runtime/auth/scopes.h"
#include "runtime/maintenance/periodic_service.h"
#include "store/store.h"

namespace conveyor::auth {

// Who is calling: the key that verified.
struct Principal {
  std::string key_id;
  std::string name;
  ScopeSet scopes = 0;
  TypeAllowList job_types;  // for the workers scope; empty: every type
  std::optional<RateLimit> rate;       // the key's own limits (key_limiter.h); none: defaults
  std::optional<RateLimit> jobs_rate;
  // The key's tenant and its plan (tenants.h); empty: no tenant, every job its scopes allow.
  std::string tenant;
  std::string plan;
};

class KeyRing : public PeriodicService {
 public:
  enum class Outcome { kOk, kMalformed, kUnknown, kExpired, kRevoked };
  struct Verdict {
    Outcome outcome = Outcome::kUnknown;
    std::shared_ptr<const Principal> principal;  // set for kOk
  };

  KeyRing(Store& store, const Clock& clock);
  ~KeyRing() override;

  // Reads every key (blocking). Call before serving, then Start().
  Status Load();
  // `key_text` as presented (without "Bearer ").
  Verdict Verify(std::string_view key_text) const;
  // The key with this id, as Verify judges it but without its secret: for a session that a
  // login with the key opened (sessions.h), so revoking the key ends its sessions too.
  Verdict VerifyId(std::string_view key_id) const;
  // Writes the last-use times not yet written (blocking).
  Status FlushUses();
  size_t size() const;

  // The admin operations (key_admin.h), blocking: a created or revoked key takes effect on this
  // node at once, on the others at their next poll. List() writes this node's uses first.
  Result<CreatedKey> Create(const NewKeySpec& spec);
  Result<ApiKeyRow> Revoke(const std::string& name);
  Result<std::vector<ApiKeyRow>> List();
  // Tenants (tenants.h): a plan change reaches this node's keys at once, the others' at their
  // next poll.
  Result<TenantRow> SetTenant(const std::string& name, const std::string& plan);
  Result<std::vector<TenantRow>> Tenants();
  TimeMs Now() const { return clock_.NowMs(); }

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    std::string secret_sha256;
    std::optional<TimeMs> expires_at;
    std::optional<TimeMs> revoked_at;
    mutable std::atomic<TimeMs> used_at{0};  // this node's latest use
    std::atomic<TimeMs> written_at{0};       // used_at as last written to the store
  };
  using Entries = std::unordered_map<std::string, std::shared_ptr<Entry>>;

  Verdict Judge(const Entry& entry) const;  // revoked, expired or ok; records the use
  void RunOnce() override;
  void OnStopped() override;
  Status Reload();
  std::shared_ptr<const Entries> Current() const;

  Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const Entries> entries_;  // guarded by mu_ (the pointer; entries are shared)
  std::mutex flush_mu_;                     // one flush at a time
  std::mutex reload_mu_;                    // one reload at a time (read + publish)
  std::optional<ApiKeysVersion> version_;   // refresh thread (and Load, before it starts)
  int passes_ = 0;                          // refresh thread
};

}  // namespace conveyor::auth
