// The prune phase (issue 14's figure): the hot path's throughput while the leader's Pruner
// deletes a large backlog of old finished jobs. `--prune-jobs` SUCCEEDED jobs finished 30 days
// ago go straight into a fresh store (JobInsertMany, no HTTP), then the sustained workload
// (POST /jobs while the server's workers run them) runs twice on that database for the same
// time: first with --retain-succeeded 0 (nothing pruned: the baseline), then with
// --retain-succeeded 1d (every old job is due). Completions come from jobs_completed_total,
// not /admin/stats: pruning removes SUCCEEDED rows, and counting a large table would load the
// run it measures. Afterwards the second server runs on until every old job is gone, which
// gives the prune rate.
#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "bench/suite/bench_phases.h"
#include "core/ids.h"
#include "store/store_factory.h"

namespace conveyor::bench {
namespace {

constexpr int kInsertBatch = 5000;
constexpr TimeMs kAgeMs = 30LL * 24 * 3600 * 1000;
constexpr double kDrainTimeoutS = 1800;

int PruneJobs(const BenchContext& ctx) {
  if (ctx.options.prune_jobs > 0) return ctx.options.prune_jobs;
  return ctx.options.quick ? 20000 : 1000000;
}

std::vector<Job> OldSucceeded(int count, TimeMs finished) {
  std::vector<Job> jobs(count);
  for (Job& j : jobs) {
    j.id = NewUuidV7(finished - 1000);
    j.type = "square_sum";
    j.payload = R"({"data":[1,2,3,4,5]})";
    j.state = JobState::kSucceeded;
    j.attempt = 1;
    j.run_at = j.created_at = finished - 1000;
    j.started_at = finished - 10;
    j.finished_at = j.updated_at = finished;
    j.result = "55";
    j.progress = 100;
    j.request_hash = "bench";
  }
  return jobs;
}

void InsertOldJobs(BenchContext& ctx, const std::string& db, int count) {
  auto store = OpenStore(ctx.StoreUrl(db));
  if (!store.ok()) throw BenchFailure("open the prune store: " + store.status().message());
  if (Status s = (*store)->Migrate(); !s.ok()) throw BenchFailure("migrate: " + s.message());
  const TimeMs finished = SystemClock::Default()->NowMs() - kAgeMs;
  auto t0 = std::chrono::steady_clock::now();
  for (int done = 0; done < count; done += kInsertBatch) {
    ThrowIfInterrupted();
    auto r = (*store)->JobInsertMany(
        {.jobs = OldSucceeded(std::min(kInsertBatch, count - done), finished), .now = finished});
    if (!r.ok()) throw BenchFailure("insert old jobs: " + r.status().message());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.Note("    stored " + FormatCount(count) + " SUCCEEDED jobs finished 30 days ago in " +
           FormatSeconds(s) + " (" + FormatCount(count / s) + " jobs/s, store only)");
}

// The sum of a counter's series on /metrics ("name{...} value" and "name value" lines).
double CounterSum(HttpClient& client, const std::string& name) {
  auto res = client.Get("/metrics");
  if (!res.ok() || !res->ok()) throw BenchFailure("GET /metrics failed");
  std::istringstream in(res->body);
  double sum = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    if (line[name.size()] != '{' && line[name.size()] != ' ') continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

struct RunFigures {
  double completed_per_s = 0;
  double pruned = 0;  // during the load
  double elapsed_s = 0;
};

RunFigures SustainedRun(BenchContext& ctx, BenchServer& server) {
  static const std::string body = SquareSumJob();
  auto client = MustConnect(server);
  const double done0 = CounterSum(*client, "jobs_completed_total");
  const double pruned0 = CounterSum(*client, "conveyor_jobs_pruned_total");
  auto t0 = std::chrono::steady_clock::now();
  LoadResult r = RunLoad(TimedLoad(server, ctx.options.connections, ctx.sizes.sustained_s,
                                   [](uint64_t) { return LoadRequest{true, "/api/v1/jobs", body}; }));
  RunFigures f;
  f.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MustAllSucceed(r, "POST /jobs");
  f.completed_per_s = (CounterSum(*client, "jobs_completed_total") - done0) / f.elapsed_s;
  f.pruned = CounterSum(*client, "conveyor_jobs_pruned_total") - pruned0;
  NoteLatency(ctx, r, "submit");
  return f;
}

BenchServerSpec RetainSpec(const BenchContext& ctx, const std::string& name, const char* age) {
  BenchServerSpec spec = ServerSpec(ctx, "prune", ctx.options.workers, name);
  spec.extra = {"--retain-succeeded", age};
  return spec;
}

}  // namespace

void RunPrunePhase(BenchContext& ctx) {
  const int old_jobs = PruneJobs(ctx);
  ctx.Note("\n[prune] the sustained workload for " + FormatSeconds(ctx.sizes.sustained_s) +
           " beside " + FormatCount(old_jobs) + " old SUCCEEDED jobs: kept, then pruned");
  InsertOldJobs(ctx, "prune", old_jobs);
  BenchServer keep(RetainSpec(ctx, "prune-keep", "0"));
  const RunFigures base = SustainedRun(ctx, keep);
  keep.Stop();
  auto t0 = std::chrono::steady_clock::now();
  BenchServer prune(RetainSpec(ctx, "prune-run", "1d"));
  const RunFigures during = SustainedRun(ctx, prune);
  ctx.Report({"sustained, nothing pruned", FormatCount(base.completed_per_s) + " jobs/s", "",
              FormatCount(old_jobs) + " old jobs kept"});
  ctx.Report({"sustained while pruning",
              FormatCount(during.completed_per_s) + " jobs/s (" +
                  FormatCount(100 * during.completed_per_s / std::max(1.0, base.completed_per_s)) +
                  "% of nothing pruned)",
              "", FormatCount(during.pruned) + " pruned during the load"});
  auto client = MustConnect(prune);
  auto deadline = t0 + std::chrono::duration<double>(kDrainTimeoutS);
  double pruned = CounterSum(*client, "conveyor_jobs_pruned_total");
  while (pruned < old_jobs && std::chrono::steady_clock::now() < deadline) {
    ThrowIfInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    pruned = CounterSum(*client, "conveyor_jobs_pruned_total");
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.Report({"prune rate", FormatCount(pruned / s) + " jobs/s",
              "", FormatCount(pruned) + " of " + FormatCount(old_jobs) + " in " +
              FormatSeconds(s) + " from server start, under load for " +
              FormatSeconds(during.elapsed_s)});
  prune.Stop();
  if (pruned < old_jobs) throw BenchFailure("the pruner left old jobs behind");
}

}  // namespace conveyor::bench
