#include "runtime/auth/key_admin.h"

#include "core/duration_text.h"
#include "runtime/auth/api_key.h"
#include "runtime/auth/scopes.h"
#include "runtime/auth/tenants.h"

namespace conveyor::auth {
namespace {

constexpr size_t kMaxNameLength = 64;

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    return Status::InvalidArgument("name must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return Status::Ok();
}

Result<ApiKeyRow> RowFor(const NewKeySpec& spec, TimeMs now) {
  if (Status s = CheckName(spec.name); !s.ok()) return s;
  Result<ScopeSet> scopes = ParseScopes(spec.scopes);
  if (!scopes.ok()) return Status::InvalidArgument("scopes: " + scopes.status().message());
  Result<TypeAllowList> types = TypeAllowList::Parse(spec.job_types);
  if (!types.ok()) return Status::InvalidArgument("job_types: " + types.status().message());
  if (!types->empty() && !(*scopes & static_cast<ScopeSet>(Scope::kWorkers))) {
    return Status::InvalidArgument(
        "job_types limits what a worker key may lease; it needs the workers scope (and an admin "
        "key may lease every type anyway)");
  }
  if (spec.tenant) {
    if (Status s = CheckTenantName(*spec.tenant); !s.ok()) return s;
    if ((*scopes & ~kTenantScopes) != 0) {
      return Status::InvalidArgument(
          "a tenant's key may hold only jobs:submit, jobs:read and jobs:manage: the workers and "
          "admin scopes act on every tenant's jobs");
    }
  }
  ApiKeyRow row{.name = spec.name,
                .scopes = ScopeList(*scopes),
                .job_types = types->ToString(),
                .created_at = now,
                .rate = spec.rate,
                .jobs_rate = spec.jobs_rate,
                .tenant = spec.tenant};
  if (spec.expires_in) {
    const std::optional<TimeMs> ms = ParseDurationMs(*spec.expires_in);
    if (!ms || *ms <= 0) return Status::InvalidArgument("expires_in must be " + DurationRule());
    row.expires_at = now + *ms;
  }
  return row;
}

}  // namespace

Result<CreatedKey> CreateApiKey(Store& store, const Clock& clock, const NewKeySpec& spec) {
  Result<ApiKeyRow> row = RowFor(spec, clock.NowMs());
  if (!row.ok()) return row.status();
  const std::optional<ApiKeyText> text = NewApiKeyText();
  if (!text) return Status::Internal("the system's random generator failed; no key was made");
  row->id = text->id;
  row->secret_sha256 = HashSecret(text->secret);
  if (Status s = store.ApiKeyCreate(*row, kMaxApiKeys); !s.ok()) return s;
  return CreatedKey{.row = std::move(*row), .key = text->text};
}

Result<ApiKeyRow> RevokeApiKey(Store& store, const Clock& clock, const std::string& name) {
  if (Status s = CheckName(name); !s.ok()) return s;
  return store.ApiKeyRevoke(name, clock.NowMs());
}

const char* KeyState(const ApiKeyRow& row, TimeMs now) {
  if (row.revoked_at) return "revoked";
  if (row.expires_at && *row.expires_at <= now) return "expired";
  return "active";
}

}  // namespace conveyor::auth
