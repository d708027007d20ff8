// conveyor: one binary for the server (serve, worker), its schema (migrate), its clients (submit, get,
// list, wait, cancel, retry) and its benchmark (bench).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.h"

namespace {

using conveyor::cli::kExitUsage;

int ReportParseError(CLI::App& app, const CLI::ParseError& e) {
  // --help and friends are "errors" to CLI11 but successes to the user.
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  std::cerr << "conveyor: error: " << e.what() << " (see `conveyor --help`)\n";
  return kExitUsage;
}

// Many keep-alive clients need many descriptors: take the soft limit up to the hard one (a
// failure leaves the soft limit, which the server's connection cap is derived from anyway).
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that hangs up must surface as an error code on the write, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  RaiseOpenFileLimit();
  CLI::App app{"Conveyor: durable jobs over HTTP, run by an in-process worker pool.", "conveyor"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::simple);
  conveyor::cli::CommandRunner run;
  conveyor::cli::AddServeCommand(app, run);
  conveyor::cli::AddWorkerCommand(app, run);
  conveyor::cli::AddMigrateCommand(app, run);
  conveyor::cli::AddBackupCommands(app, run);
  conveyor::cli::AddClientCommands(app, run);
  conveyor::cli::AddScheduleCommands(app, run);
  conveyor::cli::AddKeysCommands(app, run);
  conveyor::cli::AddBenchCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, e);
  }
  return run ? run() : kExitUsage;
}
