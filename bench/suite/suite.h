// The `conveyor bench` suite: starts its own servers (children of this process, on fresh
// databases in a temp dir), drives them with a Beast load generator, and prints each figure beside
// its target and the ceilings measured in the same run. The command line is cli/bench_command.cc.
#pragma once

#include <string>
#include <vector>

#include "bench/suite/bench_context.h"

namespace conveyor::bench {

// Runs the selected phases in order; 0 when every phase ran, 1 when one broke (a missed target
// is printed, never an error).
int RunBench(const BenchOptions& options);

// The phase names `--only` accepts, in the order they run.
std::vector<std::string> PhaseNames();

}  // namespace conveyor::bench
