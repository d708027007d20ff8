#include "api/health_resource.h"

#include "api/job_json.h"
#include "api/request_context.h"
#include "runtime/job_service.h"
#include "runtime/work/worker_pool.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

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

void Stats(RequestContext& ctx) {
  const auto counts = ctx.jobs.Counts();
  if (!counts.ok()) return ctx.Fail(ErrorFromStatus(counts.status()));
  WorkerStats workers;
  if (ctx.pool) {
    const WorkerPool::Stats s = ctx.pool->GetStats();
    workers = {
        .running = s.running, .completed = s.completed, .failed_attempts = s.failed_attempts};
  }
  AppendStatsJson(*counts, workers, &ctx.response.body);
}

}  // namespace

void RegisterHealthRoutes(Router& router) {
  router.Add(http::verb::get, "/health", {.sync = &Health});
  router.Add(http::verb::get, "/ready", {.sync = &Ready});
  router.Add(http::verb::get, "/admin/stats", {.sync = &Stats});
}

}  // namespace conveyor::api
