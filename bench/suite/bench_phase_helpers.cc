// Helpers shared by the bench phases (see bench_phases.h).
#include <chrono>

#include "bench/suite/bench_auth.h"
#include "bench/suite/bench_phases.h"

namespace conveyor::bench {

constexpr double kCpuPerJobTargetUs = 40;
constexpr double kDbCpuPerJobTargetUs = 50;  // issue 15: about half of graphile-worker's

BenchServerSpec ServerSpec(const BenchContext& ctx, const std::string& db_dir, int workers,
                           const std::string& name) {
  BenchServerSpec spec{
      ctx.exe, ctx.PhaseDir(db_dir) / "bench.db", workers, name, ctx.StoreUrl(db_dir), {}};
  if (ctx.options.auth) spec.api_key = PhaseApiKey(ctx, db_dir);
  spec.sse_subscribers = ctx.options.sse_subscribers;
  return spec;
}

LoadSpec TimedLoad(const BenchServer& server, int connections, double seconds,
                   std::function<LoadRequest(uint64_t)> make) {
  LoadSpec spec = LoadOn(server);
  spec.connections = connections;
  spec.duration_s = seconds;
  spec.make_request = std::move(make);
  return spec;
}

void NoteLatency(const BenchContext& ctx, LoadResult& r, const std::string& what) {
  auto n = r.latencies_us.size();
  double p50 = Percentile(r.latencies_us, 50);
  double p99 = Percentile(r.latencies_us, 99);
  ctx.Note("    " + what + " latency p50 " + FormatMicros(p50) + ", p99 " + FormatMicros(p99) +
           " (" + FormatCount(static_cast<double>(n)) + " responses in " +
           FormatSeconds(r.elapsed_s) + "); load generator CPU " +
           FormatCount(100.0 * r.client_cpu_us / 1e6 / r.elapsed_s) + "% of a core");
}

Figure CpuPerJobFigure(const std::string& phase, int64_t cpu_us, int64_t jobs) {
  if (jobs <= 0) return {"server CPU/job (" + phase + ")", "no job completed", "<= 40 us", ""};
  double per_job = static_cast<double>(cpu_us) / static_cast<double>(jobs);
  return {"server CPU/job (" + phase + ")", FormatMicros(per_job), "<= 40 us",
          FormatCount(static_cast<double>(jobs)) + " jobs, " +
              FormatCount(cpu_us / 1000.0) + " ms CPU",
          per_job <= kCpuPerJobTargetUs};
}

void ReportDbCpuPerJob(BenchContext& ctx, const std::string& phase, std::optional<int64_t> before,
                       std::optional<int64_t> after, int64_t jobs) {
  if (!before || !after || jobs <= 0) return;
  const int64_t cpu_us = *after - *before;
  const double per_job = static_cast<double>(cpu_us) / static_cast<double>(jobs);
  ctx.Report({"PostgreSQL CPU/job (" + phase + ")", FormatMicros(per_job), "<= 50 us",
              FormatCount(static_cast<double>(jobs)) + " jobs, " + FormatCount(cpu_us / 1000.0) +
                  " ms CPU of the database server",
              per_job <= kDbCpuPerJobTargetUs});
}

BurnResult BurnDown(const BenchContext& ctx, const std::string& db_dir, const std::string& name,
                    double timeout_s, const std::function<bool(const StatsSnapshot&)>& done) {
  BurnResult out;
  out.db_cpu_before = ctx.DbCpuMicros();
  auto t0 = std::chrono::steady_clock::now();
  BenchServer server(ServerSpec(ctx, db_dir, ctx.options.workers, name));
  auto client = MustConnect(server);
  out.stats = done ? PollStatsUntil(*client, timeout_s, done) : PollUntilDrained(*client, timeout_s);
  out.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.db_cpu_after = ctx.DbCpuMicros();
  out.cpu_us = server.CpuMicros();
  out.rss_bytes = server.RssBytes();
  server.Stop();
  return out;
}

}  // namespace conveyor::bench
