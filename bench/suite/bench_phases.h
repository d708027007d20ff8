// The phases of `conveyor bench`, each measuring one figure of the issue against its target,
// and the small helpers they share. Each phase starts its own server(s) on a fresh database in
// the bench's temp dir, reports through BenchContext, and throws BenchFailure when the server
// misbehaves. Main thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bench/suite/bench_context.h"
#include "bench/suite/bench_jobs.h"
#include "bench/suite/bench_server.h"
#include "bench/suite/load_generator.h"

namespace conveyor::bench {

void RunCeilingsPhase(BenchContext& ctx);   // HTTP (GET /health) and store (raw inserts)
void RunSubmitPhase(BenchContext& ctx);     // POST /jobs, --workers 0
void RunBatchPhase(BenchContext& ctx);      // POST /jobs/batch, --workers 0
void RunGetPhase(BenchContext& ctx);        // GET /jobs/{id}
void RunLatencyPhase(BenchContext& ctx);    // submit→start at a fixed rate
void RunSustainedPhase(BenchContext& ctx);  // submit + process together
void RunBurnDownPhase(BenchContext& ctx);   // pre-inserted jobs run to completion
void RunRssPhase(BenchContext& ctx);        // RSS idle and with a large queue; burn-down there
void RunNodesPhase(BenchContext& ctx);      // PostgreSQL: burn-down by 1, 2 and 3 nodes
void RunPlansPhase(BenchContext& ctx);      // burn-down over 4 weighted plan queues
void RunDuePhase(BenchContext& ctx);        // lateness of jobs due over a window (run_at)
void RunCronPhase(BenchContext& ctx);       // an every-second schedule: ticks and lateness
void RunLimitPhase(BenchContext& ctx);      // PostgreSQL: concurrency_limit 10 on 4 nodes
void RunPrunePhase(BenchContext& ctx);      // sustained load while 1M old jobs are pruned
void RunWebhookPhase(BenchContext& ctx);    // pending deliveries sent and recorded by a server

// A server for `phase` on <temp>/<db_dir>/bench.db; `name` tells apart servers sharing a db.
BenchServerSpec ServerSpec(const BenchContext& ctx, const std::string& db_dir, int workers,
                           const std::string& name);

// `connections` connections for `seconds`, requests from `make`.
LoadSpec TimedLoad(const BenchServer& server, int connections, double seconds,
                   std::function<LoadRequest(uint64_t)> make);

// "  latency p50 0.42 ms, p99 1.9 ms (N responses)"
void NoteLatency(const BenchContext& ctx, LoadResult& r, const std::string& what);

// "server CPU per completed job (phase)": target <= 40 us.
Figure CpuPerJobFigure(const std::string& phase, int64_t cpu_us, int64_t jobs);

// "PostgreSQL CPU/job (phase)": the database server's CPU between two DbCpuMicros readings per
// completed job, against issue 15's target (<= 50 us). Reported only when both readings exist.
void ReportDbCpuPerJob(BenchContext& ctx, const std::string& phase, std::optional<int64_t> before,
                       std::optional<int64_t> after, int64_t jobs);

// A server with workers started on an existing database, timed until `done` (none: until no job
// is left unfinished, polled without counting the table); then stopped.
struct BurnResult {
  StatsSnapshot stats;
  double elapsed_s = 0;  // from spawn to the first snapshot where `done` held
  int64_t cpu_us = 0;
  int64_t rss_bytes = 0;  // at that snapshot
  std::optional<int64_t> db_cpu_before, db_cpu_after;  // DbCpuMicros around the run
};
BurnResult BurnDown(const BenchContext& ctx, const std::string& db_dir, const std::string& name,
                    double timeout_s, const std::function<bool(const StatsSnapshot&)>& done);

}  // namespace conveyor::bench
