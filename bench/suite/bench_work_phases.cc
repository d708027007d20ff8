// Bench phases where workers run jobs: burn-down of a pre-inserted queue, sustained submit +
// process, and memory (RSS) idle and with a large queue, with the burn-down rate there.
#include <chrono>
#include <memory>
#include <thread>

#include "bench/suite/bench_phases.h"

namespace conveyor::bench {
namespace {

constexpr int kInsertConnections = 4;
constexpr double kBurnTimeoutS = 1800;
constexpr double kMb = 1024.0 * 1024.0;

// Inserts `jobs` with an API-only server on <db_dir>/bench.db, then stops it (SIGTERM).
// Returns the server's RSS with the jobs queued.
int64_t PreInsert(BenchContext& ctx, const std::string& db_dir, int jobs) {
  BenchServer loader(ServerSpec(ctx, db_dir, 0, db_dir + "-insert"));
  LoadResult r = InsertJobs(loader, jobs, kInsertConnections);
  ctx.Note("    inserted " + FormatCount(jobs) + " jobs in " + FormatSeconds(r.elapsed_s) + " (" +
           FormatCount(jobs / r.elapsed_s) + " jobs/s)");
  int64_t rss = loader.RssBytes();
  loader.Stop();
  return rss;
}

std::string Workers(const BenchContext& ctx) {
  return std::to_string(ctx.options.workers) + " workers";
}

void NoteFailures(const BenchContext& ctx, const StatsSnapshot& s) {
  if (s.failed > 0 || s.cancelled > 0 || s.expired > 0) {
    ctx.Note("    warning: " + FormatCount(s.failed) + " jobs FAILED, " +
             FormatCount(s.cancelled) + " CANCELLED, " + FormatCount(s.expired) + " EXPIRED");
  }
}

void MeasureIdleRss(BenchContext& ctx) {
  BenchServer idle(ServerSpec(ctx, "rss-idle", ctx.options.workers, "rss-idle"));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  double rss = static_cast<double>(idle.RssBytes());
  ctx.Report({"RSS idle (" + Workers(ctx) + ")", FormatMegabytes(rss), "<= 30 MB", "",
              rss <= 30 * kMb});
  idle.Stop();
}

// The rate with a large queue, against the empty-queue rate of the burndown phase (>= 80%).
void ReportLargeQueueBurn(BenchContext& ctx, const BurnResult& b, int queued) {
  double rate = static_cast<double>(b.stats.succeeded) / b.elapsed_s;
  ctx.large_queue_burn_rate = rate;
  std::string vs = ctx.burn_rate > 0
                       ? " (" + FormatCount(100 * rate / ctx.burn_rate) + "% of empty-queue)"
                       : " (run the burndown phase to compare)";
  std::optional<bool> meets;
  if (ctx.burn_rate > 0) meets = rate >= 0.8 * ctx.burn_rate;
  ctx.Report({"burn-down, " + FormatCount(queued) + " queued", FormatCount(rate) + " jobs/s" + vs,
              ">= 80% of empty", "first " + FormatCount(b.stats.succeeded) + " completions",
              meets});
}

}  // namespace

void RunBurnDownPhase(BenchContext& ctx) {
  int jobs = ctx.sizes.burn_jobs;
  ctx.Note("\n[burndown] " + FormatCount(jobs) + " square_sum jobs inserted by a --workers 0 " +
           "server, then run by a restarted server with " + Workers(ctx));
  PreInsert(ctx, "burndown", jobs);
  BurnResult b = BurnDown(ctx, "burndown", "burndown-run", kBurnTimeoutS, nullptr);
  NoteFailures(ctx, b.stats);
  double rate = static_cast<double>(b.stats.succeeded) / b.elapsed_s;
  ctx.burn_rate = rate;
  const double target = ctx.options.IsPostgres() ? 20000 : 50000;  // the issues' targets
  ctx.Report({"burn-down (" + FormatCount(jobs) + " queued)", FormatCount(rate) + " jobs/s",
              ">= " + FormatCount(target) + " jobs/s", ctx.Ceilings(false, true), rate >= target});
  ctx.Note("    " + FormatCount(b.stats.succeeded) + " SUCCEEDED in " +
           FormatSeconds(b.elapsed_s) + " (from server start)");
  ctx.Report(CpuPerJobFigure("burn-down", b.cpu_us, b.stats.succeeded));
  ReportDbCpuPerJob(ctx, "burn-down", b.db_cpu_before, b.db_cpu_after, b.stats.succeeded);
}

void RunSustainedPhase(BenchContext& ctx) {
  ctx.Note("\n[sustained] POST /jobs (square_sum) on " + std::to_string(ctx.options.connections) +
           " connections for " + FormatSeconds(ctx.sizes.sustained_s) + " while " +
           Workers(ctx) + " process them");
  static const std::string body = SquareSumJob();
  BenchServer server(ServerSpec(ctx, "sustained", ctx.options.workers, "sustained"));
  auto client = MustConnect(server);
  StatsSnapshot s0 = FetchStats(*client);
  int64_t cpu0 = server.CpuMicros();
  const std::optional<int64_t> db0 = ctx.DbCpuMicros();
  auto t0 = std::chrono::steady_clock::now();
  LoadResult r = RunLoad(TimedLoad(server, ctx.options.connections, ctx.sizes.sustained_s,
                                   [](uint64_t) { return LoadRequest{true, "/api/v1/jobs", body}; }));
  StatsSnapshot s1 = FetchStats(*client);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int64_t cpu = server.CpuMicros() - cpu0;
  const std::optional<int64_t> db1 = ctx.DbCpuMicros();
  MustAllSucceed(r, "POST /jobs");
  int64_t completed = s1.succeeded - s0.succeeded;
  const double target = ctx.options.IsPostgres() ? 10000 : 20000;
  ctx.Report({"sustained: completed", FormatCount(completed / elapsed) + " jobs/s",
              ">= " + FormatCount(target) + " jobs/s", ctx.Ceilings(true, true),
              completed / elapsed >= target});
  ctx.Note("    submitted " + FormatCount(r.OkPerSecond()) + " jobs/s; backlog at the end " +
           FormatCount(s1.Unfinished()) + " jobs");
  NoteLatency(ctx, r, "submit");
  NoteFailures(ctx, s1);
  ctx.Report(CpuPerJobFigure("sustained", cpu, completed));
  // Submitted but not yet completed jobs cost the database too: per completed job, an upper
  // bound when a backlog is left.
  ReportDbCpuPerJob(ctx, "sustained", db0, db1, completed);
  server.Stop();
}

void RunRssPhase(BenchContext& ctx) {
  ctx.Note("\n[rss] resident memory of a fresh server, then with " +
           FormatCount(ctx.sizes.rss_jobs) + " jobs queued");
  MeasureIdleRss(ctx);
  int jobs = ctx.sizes.rss_jobs;
  double loaded = static_cast<double>(PreInsert(ctx, "rss-queued", jobs));
  ctx.Report({"RSS, " + FormatCount(jobs) + " queued (API only)", FormatMegabytes(loaded),
              "<= 100 MB", "", loaded <= 100 * kMb});
  int64_t first = ctx.sizes.rss_burn_jobs;
  BurnResult b = BurnDown(ctx, "rss-queued", "rss-run", kBurnTimeoutS,
                          [first](const StatsSnapshot& s) { return s.succeeded >= first; });
  ctx.Report({"RSS, " + FormatCount(jobs) + " queued (running)",
              FormatMegabytes(static_cast<double>(b.rss_bytes)), "<= 100 MB", "",
              b.rss_bytes <= 100 * kMb});
  ReportLargeQueueBurn(ctx, b, jobs);
  ctx.Report(CpuPerJobFigure("burn-down, large queue", b.cpu_us, b.stats.succeeded));
}

// PostgreSQL only: the same queue burnt down by 1, 2 and 3 nodes on one database. Every node
// is a `conveyor serve` process with --workers workers; the first also answers the stats polls.
void RunNodesPhase(BenchContext& ctx) {
  if (!ctx.options.IsPostgres()) {
    ctx.Note("\n[nodes] skipped: several nodes share a database only on PostgreSQL (--store)");
    return;
  }
  const int jobs = ctx.sizes.burn_jobs;
  for (int nodes = 1; nodes <= 3; ++nodes) {
    const std::string db = "nodes" + std::to_string(nodes);
    ctx.Note("\n[nodes] " + FormatCount(jobs) + " square_sum jobs run by " +
             std::to_string(nodes) + " node(s) with " + Workers(ctx) + " each");
    PreInsert(ctx, db, jobs);
    const std::optional<int64_t> db0 = ctx.DbCpuMicros();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<BenchServer>> servers;
    for (int i = 0; i < nodes; ++i) {
      servers.push_back(std::make_unique<BenchServer>(
          ServerSpec(ctx, db, ctx.options.workers, db + "-n" + std::to_string(i))));
    }
    auto client = MustConnect(*servers.front());
    StatsSnapshot s = PollUntilDrained(*client, kBurnTimeoutS);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::optional<int64_t> db1 = ctx.DbCpuMicros();
    int64_t cpu = 0;
    for (auto& srv : servers) cpu += srv->CpuMicros();
    for (auto& srv : servers) srv->Stop();
    NoteFailures(ctx, s);
    ctx.Report({"burn-down, " + std::to_string(nodes) + " node(s)",
                FormatCount(static_cast<double>(s.succeeded) / elapsed) + " jobs/s", "",
                ctx.Ceilings(false, true)});
    ctx.Report(CpuPerJobFigure(std::to_string(nodes) + " node(s)", cpu, s.succeeded));
    ReportDbCpuPerJob(ctx, std::to_string(nodes) + " node(s)", db0, db1, s.succeeded);
  }
}

}  // namespace conveyor::bench
