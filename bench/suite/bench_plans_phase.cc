// The plans phase (issue 11): the burn-down of a backlog spread evenly over seed 003's four plan
// queues (weights 1, 5, 7, 10), against the single-queue rate of the burndown phase (>= 80 %),
// with each queue's measured share of the starts beside its weight's, sampled while every
// queue still has a backlog. Full size backlogs 1,000,000 jobs (the figure), inserted
// through POST /jobs/batch at the API's maximum of 1,000 jobs per request.
#include <boost/json.hpp>
#include <chrono>
#include <map>

#include "bench/suite/bench_phases.h"

namespace conveyor::bench {
namespace {

constexpr const char* kPlans[] = {"free", "pro", "business", "enterprise"};
constexpr double kWeights[] = {1, 5, 7, 10};

std::string PlanBatch(const char* plan) {
  std::string job = SquareSumJob();
  job.insert(job.size() - 1, std::string(",\"plan\":\"") + plan + "\"");
  return BatchBody(job, kBatchSize);
}

LoadResult InsertPlanJobs(const BenchServer& server, int jobs) {
  static const std::string bodies[] = {PlanBatch(kPlans[0]), PlanBatch(kPlans[1]),
                                       PlanBatch(kPlans[2]), PlanBatch(kPlans[3])};
  LoadSpec spec = LoadOn(server);
  spec.connections = 4;
  spec.max_requests = static_cast<uint64_t>((jobs + kBatchSize - 1) / kBatchSize);
  spec.make_request = [](uint64_t i) {
    return LoadRequest{true, "/api/v1/jobs/batch", bodies[i % 4]};
  };
  LoadResult r = RunLoad(spec);
  MustAllSucceed(r, "POST /jobs/batch (plans)");
  return r;
}

struct PlanDepth {
  double succeeded = 0;
  int64_t waiting = 0;  // pending: the backlog still to start
};

// Per queue (GET /api/v1/queues; its counts are one scan, at most a second old).
std::map<std::string, PlanDepth> DepthPerPlan(HttpClient& client) {
  auto res = client.Get("/api/v1/queues");
  if (!res.ok() || !res->ok()) throw BenchFailure("GET /api/v1/queues failed");
  std::map<std::string, PlanDepth> out;
  const boost::json::value doc = boost::json::parse(res->body);
  for (const auto& q : doc.at("queues").as_array()) {
    const auto& o = q.as_object();
    const auto& depth = o.at("depth");
    out[std::string(o.at("name").as_string())] = {
        static_cast<double>(depth.at("succeeded").to_number<int64_t>()),
        depth.at("pending").to_number<int64_t>()};
  }
  return out;
}

// Each queue's share of the starts at the sample, beside its weight's.
void NoteShares(const BenchContext& ctx, std::map<std::string, PlanDepth>& mid) {
  double total = 0;
  for (const char* p : kPlans) total += mid[std::string("queue:") + p].succeeded;
  for (int i = 0; i < 4; ++i) {
    const std::string queue = std::string("queue:") + kPlans[i];
    const PlanDepth& d = mid[queue];
    const double share = total > 0 ? d.succeeded / total : 0;
    // A queue that ran dry before the sample would have handed its share to the others.
    if (d.waiting == 0) ctx.Note("    warning: " + queue + " had no backlog left at the sample");
    const double want = kWeights[i] / 23.0;
    ctx.Note("    " + queue + " share " + FormatCount(100 * share) + "% (weight " +
             FormatCount(kWeights[i]) + " → " + FormatCount(100 * want) + "%)");
  }
}

}  // namespace

void RunPlansPhase(BenchContext& ctx) {
  const int jobs = ctx.sizes.plans_jobs;
  ctx.Note("\n[plans] " + FormatCount(jobs) + " square_sum jobs spread over queue:free, pro, " +
           "business and enterprise (weights 1, 5, 7, 10), run by " +
           std::to_string(ctx.options.workers) + " workers");
  {
    BenchServer loader(ServerSpec(ctx, "plans", 0, "plans-insert"));
    LoadResult r = InsertPlanJobs(loader, jobs);
    ctx.Note("    inserted " + FormatCount(jobs) + " jobs in " + FormatSeconds(r.elapsed_s) + " (" +
             FormatCount(jobs / r.elapsed_s) + " jobs/s)");
    loader.Stop();
  }
  auto t0 = std::chrono::steady_clock::now();
  BenchServer server(ServerSpec(ctx, "plans", ctx.options.workers, "plans-run"));
  auto client = MustConnect(server);
  // While every queue is backlogged: enterprise (10/23 of the starts) has a quarter of the jobs,
  // so it drains at about 58 % done; sample at 30 %.
  PollStatsUntil(*client, 1800, [&](const StatsSnapshot& s) { return s.succeeded >= jobs * 3 / 10; });
  std::map<std::string, PlanDepth> mid = DepthPerPlan(*client);
  StatsSnapshot end = PollStatsUntil(*client, 1800, [](const StatsSnapshot& s) {
    return s.Unfinished() == 0;
  });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  server.Stop();
  const double rate = static_cast<double>(end.succeeded) / elapsed;
  std::optional<bool> meets;
  if (ctx.burn_rate > 0) meets = rate >= 0.8 * ctx.burn_rate;
  const std::string vs = ctx.burn_rate > 0
                             ? " (" + FormatCount(100 * rate / ctx.burn_rate) + "% of one queue)"
                             : " (run the burndown phase to compare)";
  ctx.Report({"burn-down, 4 plan queues", FormatCount(rate) + " jobs/s" + vs,
              ">= 80% of one queue", ctx.Ceilings(false, true), meets});
  if (ctx.large_queue_burn_rate > 0) {
    ctx.Note("    " + FormatCount(100 * rate / ctx.large_queue_burn_rate) + "% of one queue with " +
             FormatCount(ctx.sizes.rss_jobs) + " queued (rss phase, its first completions)");
  }
  NoteShares(ctx, mid);
}

}  // namespace conveyor::bench
