#include "api/metrics_resource.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "api/request_context.h"
#include "core/job_state.h"
#include "runtime/job_service.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"

namespace conveyor::api {
namespace {

constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";
constexpr JobState kStates[] = {JobState::kScheduled, JobState::kPending,  JobState::kRunning,
                                JobState::kSucceeded, JobState::kRetrying, JobState::kFailed,
                                JobState::kCancelled, JobState::kExpired,  JobState::kBlocked};

void Header(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels, int64_t value) {
  out.append(name).append(labels).append(" ").append(std::to_string(value)).append("\n");
}

void JobGauges(std::string& out, const std::map<JobState, int64_t>& counts) {
  Header(out, "conveyor_jobs", "gauge", "Jobs in the store by state.");
  for (JobState s : kStates) {
    const auto it = counts.find(s);
    const std::string labels = "{state=\"" + std::string(ToString(s)) + "\"}";
    Sample(out, "conveyor_jobs", labels, it == counts.end() ? 0 : it->second);
  }
}

void Counters(std::string& out, const JobService& jobs, const WorkerPool::Stats& local,
              const ExternalLeases::Counters& external) {
  Header(out, "conveyor_jobs_submitted_total", "counter", "Jobs accepted by this node.");
  Sample(out, "conveyor_jobs_submitted_total", "", jobs.SubmittedCount());
  Header(out, "conveyor_attempts_completed_total", "counter",
         "Attempts that succeeded, by who ran them.");
  Sample(out, "conveyor_attempts_completed_total", "{worker=\"local\"}", local.completed);
  Sample(out, "conveyor_attempts_completed_total", "{worker=\"external\"}", external.completed);
  Header(out, "conveyor_attempts_failed_total", "counter",
         "Attempts that failed (retried or not), by who ran them.");
  Sample(out, "conveyor_attempts_failed_total", "{worker=\"local\"}", local.failed_attempts);
  Sample(out, "conveyor_attempts_failed_total", "{worker=\"external\"}",
         external.failed_attempts);
  Header(out, "conveyor_jobs_leased_total", "counter", "Jobs leased to external workers here.");
  Sample(out, "conveyor_jobs_leased_total", "", external.leased);
  Header(out, "conveyor_lease_poll_wakeups_total", "counter",
         "Long polls (POST /leases) woken because jobs they can take arrived, or at shutdown.");
  Sample(out, "conveyor_lease_poll_wakeups_total", "", external.poll_wakeups);
  Header(out, "conveyor_lease_polls_waiting", "gauge", "Long polls (POST /leases) waiting now.");
  Sample(out, "conveyor_lease_polls_waiting", "", external.polls_waiting);
}

void Metrics(RequestContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  const auto counts = ctx.jobs.Counts();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (!counts.ok()) return ctx.Fail(ErrorFromStatus(counts.status()));
  const WorkerPool::Stats local = ctx.pool ? ctx.pool->GetStats() : WorkerPool::Stats{};
  std::string& out = ctx.response.body;
  JobGauges(out, *counts);
  Header(out, "conveyor_workers_busy", "gauge", "Local workers running a job now.");
  Sample(out, "conveyor_workers_busy", "", local.running);
  Header(out, "conveyor_workers", "gauge", "Local worker threads configured.");
  Sample(out, "conveyor_workers", "", local.workers);
  Counters(out, ctx.jobs, local, ctx.leases.GetCounters());
  Header(out, "conveyor_store_count_seconds", "gauge",
         "How long this scrape's count of jobs by state took in the store.");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", took.count());
  out.append("conveyor_store_count_seconds ").append(buf).append("\n");
  ctx.response.content_type = kPrometheusType;
}

}  // namespace

void RegisterMetricsRoutes(Router& router) {
  router.Add(boost::beast::http::verb::get, "/metrics", {.sync = &Metrics, .access = Access::kMetrics});
}

}  // namespace conveyor::api
