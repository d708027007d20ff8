// `conveyor bench`: its flags. The suite itself (servers, load, figures) is bench/suite/.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <thread>

#include "bench/suite/suite.h"
#include "cli/commands.h"

namespace conveyor::cli {

void AddBenchCommand(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<bench::BenchOptions>();
  o->workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* cmd = app.add_subcommand("bench", "Measure throughput, latency, CPU and memory against "
                                          "the targets, with ceilings from the same run");
  cmd->add_flag("--quick", o->quick, "Small counts and durations (about a minute in all)");
  cmd->add_option("--only", o->only, "Run only these phases (comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember(bench::PhaseNames()));
  cmd->add_option("--workers", o->workers, "Workers of the servers that process jobs")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  cmd->add_option("--connections", o->connections, "Keep-alive connections of the load")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--duration-s", o->duration_s, "Length of the sustained phase (default 30; 3 "
                                                 "with --quick)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--auth", o->auth, "Servers with --auth on; every request carries one admin key");
  cmd->add_option("--sse", o->sse_subscribers,
                  "Clients following GET /events on every server during the phases (default 0)")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--prune-jobs", o->prune_jobs,
                  "Old finished jobs the prune phase deletes (default 1,000,000; 20,000 with "
                  "--quick)")
      ->check(CLI::Range(1, 100'000'000));
  cmd->add_flag("--keep-dir", o->keep_dir, "Keep the temp dir (databases and server logs)");
  cmd->add_option("--store", o->store,
                  "A postgres:// URL: run every phase on fresh databases on that server, plus "
                  "the multi-node phase (default: SQLite files in the temp dir)");
  cmd->callback([&run, o] { run = [o] { return bench::RunBench(*o); }; });
}

}  // namespace conveyor::cli
