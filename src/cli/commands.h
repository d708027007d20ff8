// The subcommands of the `conveyor` binary. Each Add…Command registers its flags on the app; when
// the user picks it, CLI11's callback stores the work to do in `run`, and main() runs it after
// parsing so that errors in flags never start half a command.
// Exit codes are shared by all subcommands (see ExitCode).
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace conveyor::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // the server said no (HTTP error), or the job ended badly
  kExitUsage = 2,     // bad flags, unreadable input, server unreachable, store won't open
  kExitTimeout = 3,   // `wait` gave up
};

using CommandRunner = std::function<int()>;

// --store, env CONVEYOR_STORE, falling back to DATABASE_URL, then sqlite:./data/conveyor.db.
// Also --store-password-file / DATABASE_PASSWORD_FILE: a PostgreSQL password read from a file
// into `url` (store_factory.h StoreUrlWithPassword); an unreadable file is a usage error.
void AddStoreOption(CLI::App& cmd, std::string& url);

void AddServeCommand(CLI::App& app, CommandRunner& run);
void AddWorkerCommand(CLI::App& app, CommandRunner& run);  // serve_command.cc: workers only
void AddMigrateCommand(CLI::App& app, CommandRunner& run);
void AddBackupCommands(CLI::App& app, CommandRunner& run);  // backup, restore (SQLite)
void AddClientCommands(CLI::App& app, CommandRunner& run);  // submit get list cancel retry wait
void AddWaitCommand(CLI::App& app, CommandRunner& run);
void AddScheduleCommands(CLI::App& app, CommandRunner& run);  // schedules [add|get|rm|pause|resume]
void AddKeysCommands(CLI::App& app, CommandRunner& run);  // keys create|list|revoke
void AddBenchCommand(CLI::App& app, CommandRunner& run);

}  // namespace conveyor::cli
