#include "api/health_resource.h"

#include <boost/asio/use_awaitable.hpp>

#include "api/request_context.h"
#include "api/stats_json.h"
#include "api/store_awaitable.h"
#include "runtime/job_service.h"
#include "runtime/work/worker_pool.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;
using StatsResult = Result<JobStats>;

void Health(RequestContext& ctx) {
  // No store call, no allocation once the connection's body buffer has grown: the HTTP ceiling.
  ctx.response.body.assign(R"({"status":"ok"})");
}

void Ready(RequestContext& ctx) {
  const Status status = ctx.jobs.Ready();
  if (status.ok()) {
    ctx.response.body.assign(R"({"status":"ready"})");
    return;
  }
  // Whatever went wrong, "not ready" is a 503 the orchestrator may retry.
  ctx.Fail({ErrorKind::kUnavailable, "not ready: " + status.message()});
}

// The dialect of status_breakdown's keys: the request's, else the server's default (seed 002's
// clients read PENDING/PROCESSING/COMPLETED/FAILED with --dialect completed).
Dialect StatsDialect(const RequestContext& ctx) {
  return ctx.dialect.value_or(ctx.default_dialect);
}

// The type counts scan every job (seconds on millions): read on a helper thread, one read shared
// by concurrent requests (runtime/job_stats_reader.h), while the io thread keeps serving.
boost::asio::awaitable<void> Stats(RequestContext& ctx) {
  JobService& jobs = ctx.jobs;
  const StatsResult stats = co_await AsyncStoreCallback<StatsResult>(
      [&jobs](std::function<void(StatsResult)> done) { jobs.StatsAsync(std::move(done)); },
      boost::asio::use_awaitable);
  if (!stats.ok()) {
    ctx.Fail(ErrorFromStatus(stats.status()));
    co_return;
  }
  WorkerStats workers;
  if (ctx.pool) {
    const WorkerPool::Stats s = ctx.pool->GetStats();
    workers = {
        .running = s.running, .completed = s.completed, .failed_attempts = s.failed_attempts};
  }
  AppendStatsJson(*stats, workers, StatsDialect(ctx), &ctx.response.body);
}

}  // namespace

void RegisterHealthRoutes(Router& router) {
  router.Add(http::verb::get, "/health", {.sync = &Health, .access = Access::kPublic});
  router.Add(http::verb::get, "/ready", {.sync = &Ready, .access = Access::kPublic});
  router.Add(http::verb::get, "/admin/stats", {.async = &Stats, .access = Access::kAdmin});
}

}  // namespace conveyor::api
