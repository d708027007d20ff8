// `conveyor migrate`: apply the store's pending schema migrations and exit. `serve` does the same
// on start; this lets operators migrate ahead of a rolling restart. `migrate --status` only says
// where the store's schema stands: exit 0 up to date, 1 migrations pending or the store newer
// than this binary, 2 the store cannot be read.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/secret_file.h"
#include "store/schema_version.h"
#include "store/store_factory.h"

namespace conveyor::cli {
namespace {

constexpr const char* kDefaultStoreUrl = "sqlite:./data/conveyor.db";

int RunMigrate(const std::string& url) {
  // The URL may carry a password: everything printed goes through RedactStoreSecrets.
  const std::string shown = RedactStoreSecrets(url, url);
  auto store = OpenStore(url);
  if (!store.ok()) {
    std::cerr << "conveyor migrate: cannot open store " << shown << ": "
              << RedactStoreSecrets(store.status().message(), url) << "\n";
    return kExitUsage;
  }
  if (Status s = (*store)->Migrate(); !s.ok()) {
    std::cerr << "conveyor migrate: cannot migrate store " << shown << ": "
              << RedactStoreSecrets(s.message(), url) << "\n";
    return kExitFailure;
  }
  std::cout << "store " << shown << " is up to date\n";
  return kExitOk;
}

int RunMigrateStatus(const std::string& url) {
  const std::string shown = RedactStoreSecrets(url, url);
  Result<SchemaVersion> v = StoreSchemaVersion(url);
  if (!v.ok()) {
    std::cerr << "conveyor migrate: cannot read the schema version of store " << shown << ": "
              << RedactStoreSecrets(v.status().message(), url) << "\n";
    return kExitUsage;
  }
  std::cout << "store " << shown << "\nstore schema version: " << v->store
            << "\nbinary schema version: " << v->binary << "\npending migrations:";
  if (v->pending.empty()) std::cout << " none";
  for (int version : v->pending) std::cout << " " << version;
  std::cout << "\n";
  if (Status newer = CheckSchemaNotNewer(*v); !newer.ok()) {
    std::cerr << "conveyor migrate: " << newer.message() << "\n";
    return kExitFailure;
  }
  return v->pending.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void AddStoreOption(CLI::App& cmd, std::string& url) {
  // DATABASE_URL is the name the seeds' stacks use; CONVEYOR_STORE wins when both are set.
  const char* database_url = std::getenv("DATABASE_URL");
  url = database_url != nullptr && *database_url != '\0' ? database_url : kDefaultStoreUrl;
  // --help shows the default, which may come from DATABASE_URL: never with its password.
  cmd.add_option("--store", url, "Store URL, e.g. sqlite:./data/conveyor.db (env DATABASE_URL too)")
      ->envname("CONVEYOR_STORE")
      ->default_str(RedactStoreSecrets(url, url));
  auto password_file = std::make_shared<std::string>();
  cmd.add_option("--store-password-file", *password_file,
                 "File whose first line is the PostgreSQL password, added to the --store URL "
                 "(never logged)")
      ->envname("DATABASE_PASSWORD_FILE");
  // Applied once this command's options all have their values, and only for the command given:
  // CLI11 also runs the option callbacks of commands not given, with env values and defaults.
  cmd.parse_complete_callback([&url, password_file] {
    if (password_file->empty()) return;
    Result<std::string> password = ReadSecretFile(*password_file, "--store-password-file");
    if (!password.ok()) throw CLI::ValidationError(password.status().message());
    Result<std::string> with = StoreUrlWithPassword(url, *password);
    if (!with.ok()) throw CLI::ValidationError(with.status().message());
    url = std::move(with).value();
  });
}

void AddMigrateCommand(CLI::App& app, CommandRunner& run) {
  auto url = std::make_shared<std::string>();
  auto status = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("migrate", "Apply pending schema migrations to the store");
  AddStoreOption(*cmd, *url);
  cmd->add_flag("--status", *status,
                "Print the store's schema version, this binary's and the pending migrations; "
                "change nothing (exit 0 up to date, 1 pending or store newer)");
  cmd->callback([&run, url, status] {
    run = [url, status] { return *status ? RunMigrateStatus(*url) : RunMigrate(*url); };
  });
}

}  // namespace conveyor::cli
