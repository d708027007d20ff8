// The suite behind `conveyor bench` (its flags are cli/bench_command.cc). Starts its own servers
// (children of this process, on fresh databases in a temp dir), drives them with a Beast load
// generator, and prints each figure beside its target and the ceilings measured in the same run.
// Figures are printed, never asserted: a missed target does not change the exit code; a broken
// phase does (1).
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "bench/suite/suite.h"

#include "bench/suite/bench_phases.h"

namespace conveyor::bench {
namespace {

struct Phase {
  const char* name;
  void (*run)(BenchContext&);
};

// Order matters: the burn-down phase measures the empty-queue rate the rss and plans phases
// compare to, the latency phase the submit->start p50 the due and cron phases compare to.
constexpr Phase kPhases[] = {
    {"ceilings", RunCeilingsPhase}, {"submit", RunSubmitPhase},
    {"batch", RunBatchPhase},       {"get", RunGetPhase},
    {"latency", RunLatencyPhase},   {"sustained", RunSustainedPhase},
    {"burndown", RunBurnDownPhase}, {"rss", RunRssPhase},
    {"nodes", RunNodesPhase},       {"plans", RunPlansPhase},
    {"due", RunDuePhase},           {"cron", RunCronPhase},
    {"limit", RunLimitPhase},
    {"prune", RunPrunePhase},
    {"webhooks", RunWebhookPhase},
};

bool Selected(const BenchOptions& o, const std::string& name) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), name) != o.only.end();
}

// Other work on the machine skews every figure; the header says how busy it was.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return "load average " + one + " (1 min), " + five + " (5 min) at start";
}

void PrintHeader(const BenchContext& ctx) {
  const auto& o = ctx.options;
  ctx.Note("conveyor bench" + std::string(o.quick ? " --quick" : "") + ": " +
           std::to_string(o.workers) + " workers, " + std::to_string(o.connections) +
           " connections, " + std::to_string(std::thread::hardware_concurrency()) + " cores, " +
           (o.auth ? "auth on (one key)" : "auth off") + ", temp dir " + ctx.dir.path().string());
  ctx.Note("servers run as child processes; CPU and RSS are theirs, read from /proc; " +
           LoadAverage());
}

// Runs one phase; a failure is reported and the next phase still runs.
bool RunPhase(BenchContext& ctx, const Phase& phase) {
  try {
    phase.run(ctx);
    return true;
  } catch (const std::exception& e) {
    ThrowIfInterrupted();
    std::cerr << "conveyor bench: phase " << phase.name << " failed: " << e.what() << std::endl;
    ctx.figures.push_back({std::string(phase.name) + " phase", "FAILED", "", e.what()});
    return false;
  }
}

}  // namespace

int RunBench(const BenchOptions& o) {
  InstallInterruptHandler();
  try {
    TempDir dir(o.keep_dir);
    BenchContext ctx{o, SizesFor(o), dir, "/proc/self/exe"};
    PrintHeader(ctx);
    bool all_ok = true;
    for (const Phase& phase : kPhases) {
      if (Selected(o, phase.name)) all_ok = RunPhase(ctx, phase) && all_ok;
    }
    ctx.PrintSummary();
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "conveyor bench: " << e.what() << std::endl;
    return 1;
  }
}

std::vector<std::string> PhaseNames() {
  std::vector<std::string> names;
  for (const Phase& p : kPhases) names.emplace_back(p.name);
  return names;
}

}  // namespace conveyor::bench
