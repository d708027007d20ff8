#include "runtime/auth/key_ring.h"

#include <vector>

#include "observability/log.h"
#include "runtime/auth/api_key.h"
#include "runtime/auth/tenants.h"

namespace conveyor::auth {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr int kPassesPerFlush = 120;  // last-use times reach the store about once a minute
constexpr TimeMs kUseResolutionMs = 1000;  // a use within a second of the last is not recorded

using PlanOfTenant = std::unordered_map<std::string, std::string>;

Result<std::shared_ptr<const Principal>> PrincipalOf(const ApiKeyRow& row,
                                                     const PlanOfTenant& plans) {
  Result<ScopeSet> scopes = ParseScopes(row.scopes);
  if (!scopes.ok()) return scopes.status();
  Result<TypeAllowList> types = TypeAllowList::Parse(row.job_types);
  if (!types.ok()) return types.status();
  auto principal = std::make_shared<Principal>(Principal{.key_id = row.id,
                                                         .name = row.name,
                                                         .scopes = *scopes,
                                                         .job_types = *types,
                                                         .rate = row.rate,
                                                         .jobs_rate = row.jobs_rate});
  if (row.tenant) {
    const auto plan = plans.find(*row.tenant);
    if (plan == plans.end()) return Status::NotFound("its tenant " + *row.tenant + " is gone");
    if ((*scopes & ~kTenantScopes) != 0) {
      return Status::InvalidArgument("a tenant's key holds more than the jobs:* scopes");
    }
    principal->tenant = *row.tenant;
    principal->plan = plan->second;
  }
  return std::shared_ptr<const Principal>(std::move(principal));
}

}  // namespace

KeyRing::KeyRing(Store& store, const Clock& clock)
    : PeriodicService(kPollInterval),
      store_(store),
      clock_(clock),
      entries_(std::make_shared<const Entries>()) {}

KeyRing::~KeyRing() { Stop(); }

Status KeyRing::Load() {
  Result<ApiKeysVersion> version = store_.ApiKeysVersionGet();
  if (!version.ok()) return version.status();
  if (Status s = Reload(); !s.ok()) return s;
  version_ = *version;
  return Status::Ok();
}

Status KeyRing::Reload() {
  std::lock_guard<std::mutex> reload(reload_mu_);
  Result<std::vector<TenantRow>> tenants = store_.TenantList();
  if (!tenants.ok()) return tenants.status();
  Result<std::vector<ApiKeyRow>> rows = store_.ApiKeyList();
  if (!rows.ok()) return rows.status();
  PlanOfTenant plans;
  for (TenantRow& tenant : *tenants) plans.emplace(std::move(tenant.name), std::move(tenant.plan));
  const std::shared_ptr<const Entries> old = Current();
  auto next = std::make_shared<Entries>();
  for (const ApiKeyRow& row : *rows) {
    Result<std::shared_ptr<const Principal>> principal = PrincipalOf(row, plans);
    if (!principal.ok()) {  // written by a newer version, or by hand: refuse it, say so
      log::Warn("api_key_unreadable", {{"name", row.name}, {"error", principal.status().message()}});
      continue;
    }
    auto entry = std::make_shared<Entry>();
    entry->principal = *principal;
    entry->secret_sha256 = row.secret_sha256;
    entry->expires_at = row.expires_at;
    entry->revoked_at = row.revoked_at;
    if (auto it = old->find(row.id); it != old->end()) {  // keep this node's unwritten uses
      entry->used_at = it->second->used_at.load(std::memory_order_relaxed);
      entry->written_at = it->second->written_at.load(std::memory_order_relaxed);
    }
    next->emplace(row.id, std::move(entry));
  }
  std::lock_guard<std::mutex> lock(mu_);
  entries_ = std::move(next);
  return Status::Ok();
}

std::shared_ptr<const KeyRing::Entries> KeyRing::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

size_t KeyRing::size() const { return Current()->size(); }

KeyRing::Verdict KeyRing::Verify(std::string_view key_text) const {
  const std::optional<ParsedKey> parsed = ParseApiKeyText(key_text);
  if (!parsed) return {Outcome::kMalformed, nullptr};
  const std::shared_ptr<const Entries> entries = Current();
  const auto it = entries->find(std::string(parsed->id));
  // The hash is computed whether or not the id exists, so timing says nothing about ids.
  const std::string hash = HashSecret(parsed->secret);
  if (it == entries->end()) return {Outcome::kUnknown, nullptr};
  const Entry& entry = *it->second;
  if (!ConstantTimeEquals(hash, entry.secret_sha256)) return {Outcome::kUnknown, nullptr};
  return Judge(entry);
}

KeyRing::Verdict KeyRing::VerifyId(std::string_view key_id) const {
  const std::shared_ptr<const Entries> entries = Current();
  const auto it = entries->find(std::string(key_id));
  if (it == entries->end()) return {Outcome::kUnknown, nullptr};
  return Judge(*it->second);
}

KeyRing::Verdict KeyRing::Judge(const Entry& entry) const {
  if (entry.revoked_at) return {Outcome::kRevoked, nullptr};
  const TimeMs now = clock_.NowMs();
  if (entry.expires_at && *entry.expires_at <= now) return {Outcome::kExpired, nullptr};
  if (now - entry.used_at.load(std::memory_order_relaxed) >= kUseResolutionMs) {
    entry.used_at.store(now, std::memory_order_relaxed);
  }
  return {Outcome::kOk, entry.principal};
}

void KeyRing::RunOnce() {
  Result<ApiKeysVersion> version = store_.ApiKeysVersionGet();
  if (!version.ok()) return;  // the store is down: keep the keys we have, try again
  if (version_ != *version) {
    if (Status s = Reload(); !s.ok()) return;
    version_ = *version;
  }
  if (++passes_ % kPassesPerFlush == 0) (void)FlushUses();  // best effort: next pass retries
}

void KeyRing::OnStopped() { (void)FlushUses(); }

Status KeyRing::FlushUses() {
  std::lock_guard<std::mutex> lock(flush_mu_);
  const std::shared_ptr<const Entries> entries = Current();
  std::vector<ApiKeyUse> uses;
  for (const auto& [id, entry] : *entries) {
    const TimeMs used = entry->used_at.load(std::memory_order_relaxed);
    if (used > entry->written_at.load(std::memory_order_relaxed)) uses.push_back({id, used});
  }
  if (uses.empty()) return Status::Ok();
  if (Status s = store_.ApiKeysTouch(uses); !s.ok()) return s;
  for (const ApiKeyUse& use : uses) entries->at(use.id)->written_at.store(use.at);
  return Status::Ok();
}

Result<CreatedKey> KeyRing::Create(const NewKeySpec& spec) {
  Result<CreatedKey> created = CreateApiKey(store_, clock_, spec);
  if (created.ok()) (void)Reload();  // else the next poll picks it up
  return created;
}

Result<ApiKeyRow> KeyRing::Revoke(const std::string& name) {
  Result<ApiKeyRow> revoked = RevokeApiKey(store_, clock_, name);
  if (revoked.ok()) (void)Reload();
  return revoked;
}

Result<TenantRow> KeyRing::SetTenant(const std::string& name, const std::string& plan) {
  Result<TenantRow> row = auth::SetTenant(store_, clock_, name, plan);
  if (row.ok()) (void)Reload();
  return row;
}

Result<std::vector<TenantRow>> KeyRing::Tenants() { return store_.TenantList(); }

Result<std::vector<ApiKeyRow>> KeyRing::List() {
  (void)FlushUses();  // best effort: a list with slightly older use times is still a list
  return store_.ApiKeyList();
}

}  // namespace conveyor::auth
