#include "api/metrics_resource.h"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "core/job_state.h"
#include "observability/metrics.h"
#include "runtime/job_service.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"

namespace conveyor::api {
namespace {

using boost::asio::awaitable;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
namespace metrics = observability::metrics;

constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";
constexpr JobState kStates[] = {JobState::kScheduled, JobState::kPending,  JobState::kRunning,
                                JobState::kSucceeded, JobState::kRetrying, JobState::kFailed,
                                JobState::kCancelled, JobState::kExpired,  JobState::kBlocked};
// The states a queue's waiting jobs are in: what its depth counts and its oldest age reads.
constexpr JobState kWaiting[] = {JobState::kPending, JobState::kScheduled, JobState::kRetrying};

// What one scrape reads from the store, off the io thread.
struct StoreReads {
  std::map<JobState, int64_t> counts;
  double count_seconds = 0;  // how long the count by state took: a cheap store latency probe
  std::vector<QueueView> queues;
  TimeMs now = 0;
};

int64_t CountOf(const std::map<JobState, int64_t>& counts, JobState s) {
  const auto it = counts.find(s);
  return it == counts.end() ? 0 : it->second;
}

// Appends a family and returns it; it stays valid until the next call appends another.
MetricFamily& Family(std::vector<MetricFamily>& out, std::string name, std::string help,
                     MetricType type) {
  return out.emplace_back(MetricFamily{std::move(name), std::move(help), type, {}});
}

void Add(MetricFamily& f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric& m = f.metric.emplace_back();
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
}

void JobFamilies(std::vector<MetricFamily>& out, const StoreReads& r) {
  MetricFamily& jobs =
      Family(out, "conveyor_jobs", "Jobs in the store by state.", MetricType::Gauge);
  for (JobState s : kStates) Add(jobs, CountOf(r.counts, s), {{"state", std::string(ToString(s))}});
  Add(Family(out, "jobs_pending_count", "Jobs in the store ready to run (PENDING).",
             MetricType::Gauge),
      CountOf(r.counts, JobState::kPending));
  Add(Family(out, "jobs_processing_count", "Jobs in the store running now (RUNNING).",
             MetricType::Gauge),
      CountOf(r.counts, JobState::kRunning));
  Add(Family(out, "conveyor_store_count_seconds",
             "How long this scrape's count of jobs by state took in the store.",
             MetricType::Gauge),
      r.count_seconds);
}

// Per queue; past kMaxLabelSets queues, the deepest ones (a client can make queues by naming
// them in submits, and every scrape must stay small).
void QueueFamilies(std::vector<MetricFamily>& out, std::vector<QueueView> queues, TimeMs now) {
  auto depth = [](const QueueView& v) {
    int64_t n = 0;
    for (JobState s : kWaiting) n += CountOf(v.stats.by_state, s);
    return n;
  };
  if (queues.size() > metrics::kMaxLabelSets) {
    std::partial_sort(queues.begin(), queues.begin() + metrics::kMaxLabelSets, queues.end(),
                      [&](const QueueView& a, const QueueView& b) { return depth(a) > depth(b); });
    queues.resize(metrics::kMaxLabelSets);
  }
  MetricFamily& d = Family(out, "conveyor_queue_depth",
                           "Jobs waiting in the queue (PENDING, SCHEDULED or RETRYING).",
                           MetricType::Gauge);
  for (const QueueView& v : queues) Add(d, depth(v), {{"queue", v.settings.name}});
  MetricFamily& running =
      Family(out, "conveyor_queue_running", "Jobs of the queue running now.", MetricType::Gauge);
  for (const QueueView& v : queues) {
    Add(running, CountOf(v.stats.by_state, JobState::kRunning), {{"queue", v.settings.name}});
  }
  MetricFamily& oldest = Family(out, "conveyor_queue_oldest_waiting_seconds",
                                "Age of the queue's oldest job due to run and not started; 0 "
                                "when none is due.",
                                MetricType::Gauge);
  for (const QueueView& v : queues) {
    const auto at = v.stats.oldest_waiting_run_at;
    const double age = at && *at <= now ? static_cast<double>(now - *at) / 1000.0 : 0.0;
    Add(oldest, age, {{"queue", v.settings.name}});
  }
}

void WorkerFamilies(std::vector<MetricFamily>& out, const JobService& jobs,
                    const WorkerPool::Stats& local, const ExternalLeases::Counters& external) {
  Add(Family(out, "worker_up", "1 when this node runs local workers, else 0.", MetricType::Gauge),
      local.workers > 0 ? 1 : 0);
  Add(Family(out, "conveyor_workers_busy", "Local workers running a job now.", MetricType::Gauge),
      local.running);
  Add(Family(out, "conveyor_workers", "Local worker threads configured.", MetricType::Gauge),
      local.workers);
  Add(Family(out, "conveyor_jobs_submitted_total", "Jobs accepted by this node.",
             MetricType::Counter),
      static_cast<double>(jobs.SubmittedCount()));
  MetricFamily& done = Family(out, "conveyor_attempts_completed_total",
                              "Attempts that succeeded, by who ran them.", MetricType::Counter);
  Add(done, local.completed, {{"worker", "local"}});
  Add(done, external.completed, {{"worker", "external"}});
  MetricFamily& failed =
      Family(out, "conveyor_attempts_failed_total",
             "Attempts that failed (retried or not), by who ran them.", MetricType::Counter);
  Add(failed, local.failed_attempts, {{"worker", "local"}});
  Add(failed, external.failed_attempts, {{"worker", "external"}});
  Add(Family(out, "conveyor_jobs_leased_total", "Jobs leased to external workers here.",
             MetricType::Counter),
      external.leased);
  Add(Family(out, "conveyor_lease_poll_wakeups_total",
             "Long polls (POST /leases) woken because jobs they can take arrived, or at shutdown.",
             MetricType::Counter),
      external.poll_wakeups);
  Add(Family(out, "conveyor_lease_polls_waiting", "Long polls (POST /leases) waiting now.",
             MetricType::Gauge),
      external.polls_waiting);
}

Result<StoreReads> ReadStore(JobService& jobs) {
  StoreReads r;
  const auto started = std::chrono::steady_clock::now();
  auto counts = jobs.Counts();
  r.count_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!counts.ok()) return counts.status();
  r.counts = std::move(*counts);
  // The queues' job counts are one scan shared by every reader for a second (QueueService), so
  // a scrape costs at most that scan per second whatever the scrape rate.
  auto queues = jobs.queues().List();
  if (!queues.ok()) return queues.status();
  r.queues = std::move(*queues);
  r.now = SystemClock::Default()->NowMs();
  return r;
}

awaitable<void> Metrics(RequestContext& ctx) {
  JobService& jobs = ctx.jobs;
  auto work = [&jobs] { return ReadStore(jobs); };
  Result<StoreReads> reads = co_await AsyncStoreCall<Result<StoreReads>>(
      ctx.leases, work, boost::asio::use_awaitable);
  if (!reads.ok()) co_return ctx.Fail(ErrorFromStatus(reads.status()));
  const WorkerPool::Stats local = ctx.pool ? ctx.pool->GetStats() : WorkerPool::Stats{};
  std::vector<MetricFamily> families;
  JobFamilies(families, *reads);
  QueueFamilies(families, std::move(reads->queues), reads->now);
  WorkerFamilies(families, ctx.jobs, local, ctx.leases.GetCounters());
  ctx.response.body = metrics::Exposition(std::move(families));
  ctx.response.content_type = kPrometheusType;
}

}  // namespace

void RegisterMetricsRoutes(Router& router) {
  router.Add(boost::beast::http::verb::get, "/metrics",
             {.async = &Metrics, .access = Access::kMetrics});
}

}  // namespace conveyor::api
