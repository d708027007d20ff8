// `conveyor backup PATH` and `conveyor restore PATH`: a SQLite store copied to one complete file
// while it serves, and put back from one (store/sqlite/sqlite_backup.h says how). A PostgreSQL
// store is backed up with pg_dump and pg_restore: both commands say so, with the commands, and
// exit 2 rather than doing half of it.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "store/store_factory.h"

namespace conveyor::cli {
namespace {

struct BackupOptions {
  std::string url;
  std::string path;
  bool force = false;
};

bool IsPostgres(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

int UsePgTools(const char* command) {
  std::cerr << "conveyor " << command << ": a PostgreSQL store is backed up and restored with "
            << "PostgreSQL's own tools:\n"
            << "  pg_dump --format=custom --file=conveyor.dump \"$DATABASE_URL\"\n"
            << "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" "
               "conveyor.dump\n"
            << "(stop every node before pg_restore; see docs/operations.md \"Backup and "
               "restore\")\n";
  return kExitUsage;
}

int RunBackup(const BackupOptions& o) {
  if (IsPostgres(o.url)) return UsePgTools("backup");
  if (Status s = BackupStore(o.url, o.path, o.force); !s.ok()) {
    std::cerr << "conveyor backup: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cout << "backed up " << RedactStoreSecrets(o.url, o.url) << " to " << o.path << "\n";
  return kExitOk;
}

int RunRestore(const BackupOptions& o) {
  if (IsPostgres(o.url)) return UsePgTools("restore");
  if (Status s = RestoreStore(o.url, o.path); !s.ok()) {
    std::cerr << "conveyor restore: " << s.message() << "\n";
    return kExitFailure;
  }
  std::cout << "restored " << o.path << " into " << RedactStoreSecrets(o.url, o.url) << "\n";
  return kExitOk;
}

}  // namespace

void AddBackupCommands(CLI::App& app, CommandRunner& run) {
  auto backup = std::make_shared<BackupOptions>();
  auto* b = app.add_subcommand("backup", "Copy the SQLite store to one complete file, even while "
                                         "it serves");
  AddStoreOption(*b, backup->url);
  b->add_option("PATH", backup->path, "The backup file to write")->required();
  b->add_flag("--force", backup->force, "Replace PATH if it exists");
  b->callback([&run, backup] { run = [backup] { return RunBackup(*backup); }; });

  auto restore = std::make_shared<BackupOptions>();
  auto* r = app.add_subcommand("restore", "Replace the SQLite store with a backup (stop the "
                                          "server first)");
  AddStoreOption(*r, restore->url);
  r->add_option("PATH", restore->path, "The backup file to restore")->required();
  r->callback([&run, restore] { run = [restore] { return RunRestore(*restore); }; });
}

}  // namespace conveyor::cli
