// `conveyor keys create|list|revoke` and `conveyor tenants set|list`: API keys and tenants,
// straight in the store, so it works beside a running server (which sees the change within a
// second) and before the first one starts.
//   conveyor keys create --name ci --scopes jobs:submit,jobs:read [--job-types a,b.*]
//                        [--expires-in 90d] [--tenant acme]   prints the key once, on stdout
//   conveyor keys list                            name, id, scopes, state, times (no secrets)
//   conveyor keys revoke ci
//   conveyor tenants set acme --plan pro          creates the tenant or changes its plan
//   conveyor tenants list
//   conveyor hash-password < file                 the dashboard user's hash (--admin-user)
// Each takes --store (env CONVEYOR_STORE / DATABASE_URL), like serve.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "api/queue_request.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "runtime/auth/key_admin.h"
#include "runtime/auth/password_hash.h"
#include "runtime/auth/tenants.h"
#include "store/store_factory.h"

namespace conveyor::cli {
namespace {

struct KeysOptions {
  std::string store;
  auth::NewKeySpec spec;
  std::string expires_in;
  std::string rate;       // "100/second"
  std::string jobs_rate;  // "1000/minute"
  std::string tenant;     // create: --tenant; empty: none
  std::string name;  // revoke, tenants set
  std::string plan;  // tenants set
};

int Fail(const std::string& message) {
  std::cerr << "conveyor keys: " << message << "\n";
  return kExitUsage;
}

// Opened and migrated (the table may not exist before the first serve); nullptr after printing.
std::unique_ptr<Store> Open(const std::string& url) {
  auto store = OpenStore(url);
  if (!store.ok()) {
    Fail("cannot open store " + RedactStoreSecrets(url, url) + ": " +
         RedactStoreSecrets(store.status().message(), url));
    return nullptr;
  }
  if (Status s = (*store)->Migrate(); !s.ok()) {
    Fail("cannot migrate store " + RedactStoreSecrets(url, url) + ": " +
         RedactStoreSecrets(s.message(), url));
    return nullptr;
  }
  return std::move(store).value();
}

std::string TimeOr(const std::optional<TimeMs>& t, const char* none) {
  return t ? FormatRfc3339(*t) : none;
}

int RunCreate(KeysOptions& o) {
  auto store = Open(o.store);
  if (!store) return kExitUsage;
  if (!o.expires_in.empty()) o.spec.expires_in = o.expires_in;
  if (!o.tenant.empty()) o.spec.tenant = o.tenant;
  for (auto [text, out, flag] : {std::tuple{&o.rate, &o.spec.rate, "--rate"},
                                 std::tuple{&o.jobs_rate, &o.spec.jobs_rate, "--jobs-rate"}}) {
    if (text->empty()) continue;
    *out = api::ParseRate(*text);
    if (!*out) return Fail(std::string(flag) + " must be a rate such as 100/second or 1000/minute");
  }
  Result<auth::CreatedKey> created = auth::CreateApiKey(*store, *SystemClock::Default(), o.spec);
  if (!created.ok() && created.status().code() == StatusCode::kNotFound) {
    return Fail(created.status().message() + "; create it first with `conveyor tenants set " +
                o.tenant + " --plan free`");
  }
  if (!created.ok()) return Fail(created.status().message());
  std::cerr << "created key \"" << created->row.name << "\" (id " << created->row.id
            << ", scopes " << created->row.scopes << ", expires "
            << TimeOr(created->row.expires_at, "never")
            << "). It is shown only now: store it as a secret.\n";
  std::cout << created->key << "\n";
  return kExitOk;
}

int RunList(const KeysOptions& o) {
  auto store = Open(o.store);
  if (!store) return kExitUsage;
  Result<std::vector<ApiKeyRow>> rows = store->ApiKeyList();
  if (!rows.ok()) return Fail(rows.status().message());
  const TimeMs now = SystemClock::Default()->NowMs();
  std::cout << "NAME\tID\tSCOPES\tJOB_TYPES\tTENANT\tSTATE\tCREATED\tEXPIRES\tLAST_USED\n";
  for (const ApiKeyRow& k : *rows) {
    std::cout << k.name << "\t" << k.id << "\t" << k.scopes << "\t"
              << (k.job_types.empty() ? "*" : k.job_types) << "\t" << k.tenant.value_or("-")
              << "\t" << auth::KeyState(k, now) << "\t" << FormatRfc3339(k.created_at) << "\t"
              << TimeOr(k.expires_at, "never") << "\t" << TimeOr(k.last_used_at, "never") << "\n";
  }
  return kExitOk;
}

int RunRevoke(const KeysOptions& o) {
  auto store = Open(o.store);
  if (!store) return kExitUsage;
  Result<ApiKeyRow> row = auth::RevokeApiKey(*store, *SystemClock::Default(), o.name);
  if (!row.ok()) return Fail(row.status().message());
  std::cout << "revoked key \"" << row->name << "\" (id " << row->id
            << "); every server refuses it within a second\n";
  return kExitOk;
}

int RunTenantSet(const KeysOptions& o) {
  auto store = Open(o.store);
  if (!store) return kExitUsage;
  Result<TenantRow> row = auth::SetTenant(*store, *SystemClock::Default(), o.name, o.plan);
  if (!row.ok()) return Fail(row.status().message());
  std::cout << "tenant \"" << row->name << "\" is on the " << row->plan << " plan (queue "
            << auth::PlanQueue(row->plan) << "); every server applies it within a second\n";
  return kExitOk;
}

int RunTenantList(const KeysOptions& o) {
  auto store = Open(o.store);
  if (!store) return kExitUsage;
  Result<std::vector<TenantRow>> rows = store->TenantList();
  if (!rows.ok()) return Fail(rows.status().message());
  std::cout << "NAME\tPLAN\tQUEUE\tCREATED\tUPDATED\n";
  for (const TenantRow& t : *rows) {
    std::cout << t.name << "\t" << t.plan << "\t" << auth::PlanQueue(t.plan) << "\t"
              << FormatRfc3339(t.created_at) << "\t" << FormatRfc3339(t.updated_at) << "\n";
  }
  return kExitOk;
}

// The password is the first line of stdin (never an argument: it would show in `ps`).
int RunHashPassword() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < 8) {
    std::cerr << "conveyor hash-password: give a password of at least 8 characters on stdin\n";
    return kExitUsage;
  }
  const std::optional<std::string> hash = auth::HashPassword(password);
  if (!hash) {
    std::cerr << "conveyor hash-password: the random generator or scrypt failed\n";
    return kExitUsage;
  }
  std::cout << *hash << "\n";
  return kExitOk;
}

void AddTenantsCommands(CLI::App& app, CommandRunner& run, const std::shared_ptr<KeysOptions>& o) {
  auto* tenants = app.add_subcommand("tenants", "Create tenants and set their plans (in the store)");
  tenants->require_subcommand(1);
  auto* set = tenants->add_subcommand("set", "Create a tenant, or move it to another plan");
  AddStoreOption(*set, o->store);
  set->add_option("name", o->name, "The tenant's name")->required();
  set->add_option("--plan", o->plan, "free, pro, business or enterprise")->required();
  set->callback([&run, o] { run = [o] { return RunTenantSet(*o); }; });
  auto* list = tenants->add_subcommand("list", "List tenants and their plans");
  AddStoreOption(*list, o->store);
  list->callback([&run, o] { run = [o] { return RunTenantList(*o); }; });
}

}  // namespace

void AddKeysCommands(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<KeysOptions>();
  auto* keys = app.add_subcommand("keys", "Create, list and revoke API keys (in the store)");
  keys->require_subcommand(1);
  auto* create = keys->add_subcommand("create", "Create a key and print it once");
  AddStoreOption(*create, o->store);
  create->add_option("--name", o->spec.name, "A unique name for the key")->required();
  create->add_option("--scopes", o->spec.scopes,
                     "jobs:submit, jobs:read, jobs:manage, workers, admin (comma-separated)")
      ->required();
  create->add_option("--job-types", o->spec.job_types,
                     "Workers scope: only these job types (names or prefix.*), comma-separated");
  create->add_option("--expires-in", o->expires_in, "Expire after this long, e.g. 90d");
  create->add_option("--rate", o->rate, "Requests per window, e.g. 100/second (else the server's "
                                        "--key-rate)");
  create->add_option("--jobs-rate", o->jobs_rate,
                     "Jobs submitted per window, e.g. 1000/minute (else --key-jobs-rate)");
  create->add_option("--tenant", o->tenant,
                     "The tenant the key acts for (jobs:* scopes only; see `conveyor tenants`)");
  create->callback([&run, o] { run = [o] { return RunCreate(*o); }; });
  auto* list = keys->add_subcommand("list", "List keys (never their secrets)");
  AddStoreOption(*list, o->store);
  list->callback([&run, o] { run = [o] { return RunList(*o); }; });
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key by name");
  AddStoreOption(*revoke, o->store);
  revoke->add_option("name", o->name, "The key's name")->required();
  revoke->callback([&run, o] { run = [o] { return RunRevoke(*o); }; });
  AddTenantsCommands(app, run, o);
  auto* hash = app.add_subcommand(
      "hash-password", "Print the scrypt hash of the password on stdin (for --admin-user)");
  hash->callback([&run] { run = [] { return RunHashPassword(); }; });
}

}  // namespace conveyor::cli
