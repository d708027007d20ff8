// The process's metrics as GET /metrics shows them: seed 002's job counters and histograms after
// RecordJobTransition, HTTP, webhook and store series, the scrape-time families first, and
// bucket bounds written as seed 002's client writes them. Each test uses its own job types and
// routes (the registry is process-wide) and compares values it alone changed.
#include "observability/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace conveyor::observability::metrics {
namespace {

// The value of one series ("name{labels}") in an exposition; -1 when absent.
double Value(const std::string& text, const std::string& series) {
  const std::string line_start = "\n" + series + " ";
  const size_t at = text.find(line_start);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + line_start.size()));
}

double Scraped(const std::string& series) { return Value(Exposition({}), series); }

Job MakeJob(std::string type) {
  Job job;
  job.type = std::move(type);
  return job;
}

void Record(JobEventKind kind, const Job& job, std::optional<double> wait = std::nullopt,
            std::optional<double> run = std::nullopt) {
  RecordJobTransition({.kind = kind, .job = job, .wait_seconds = wait, .run_seconds = run});
}

TEST(MetricsTest, JobTransitionsCountBySeed002Names) {
  const Job job = MakeJob("metrics_test.counts");
  for (int i = 0; i < 3; ++i) Record(JobEventKind::kSubmitted, job);
  Record(JobEventKind::kStarted, job, 0.2);
  Record(JobEventKind::kSucceeded, job, std::nullopt, 1.5);
  Record(JobEventKind::kStarted, job, 4.0);
  Record(JobEventKind::kRetrying, job, std::nullopt, 0.01);
  Record(JobEventKind::kFailed, job, std::nullopt, 7.0);
  Record(JobEventKind::kCancelled, job);
  Record(JobEventKind::kExpired, job);

  const std::string text = Exposition({});
  const std::string l = "{job_type=\"metrics_test.counts\"}";
  EXPECT_EQ(Value(text, "jobs_created_total" + l), 3);
  EXPECT_EQ(Value(text, "jobs_completed_total" + l), 1);
  EXPECT_EQ(Value(text, "jobs_retried_total" + l), 1);
  EXPECT_EQ(Value(text, "jobs_failed_total" + l), 1);
  EXPECT_EQ(Value(text, "job_duration_seconds_count" + l), 3);
  EXPECT_DOUBLE_EQ(Value(text, "job_duration_seconds_sum" + l), 8.51);
  EXPECT_EQ(Value(text, "job_queue_wait_seconds_count" + l), 2);
  EXPECT_DOUBLE_EQ(Value(text, "job_queue_wait_seconds_sum" + l), 4.2);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndWrittenLikeSeed002) {
  const Job job = MakeJob("metrics_test.buckets");
  Record(JobEventKind::kSucceeded, job, std::nullopt, 2.0);
  Record(JobEventKind::kSucceeded, job, std::nullopt, 4.0);
  Record(JobEventKind::kSucceeded, job, std::nullopt, 400.0);
  const std::string text = Exposition({});
  const std::string b = "job_duration_seconds_bucket{job_type=\"metrics_test.buckets\",le=";
  EXPECT_EQ(Value(text, b + "\"0.005\"}"), 0);
  EXPECT_EQ(Value(text, b + "\"2.5\"}"), 1);
  EXPECT_EQ(Value(text, b + "\"5.0\"}"), 2);
  EXPECT_EQ(Value(text, b + "\"300.0\"}"), 2);
  EXPECT_EQ(Value(text, b + "\"+Inf\"}"), 3);
  EXPECT_EQ(Value(text, b + "\"5\"}"), -1) << "bounds read 5.0, not 5";
}

TEST(MetricsTest, AStartWithoutAWaitAndAnEndWithoutARunTimeObserveNothing) {
  const Job job = MakeJob("metrics_test.no_times");
  Record(JobEventKind::kStarted, job);
  Record(JobEventKind::kSucceeded, job);
  const std::string l = "{job_type=\"metrics_test.no_times\"}";
  const std::string text = Exposition({});
  EXPECT_EQ(Value(text, "jobs_completed_total" + l), 1);
  EXPECT_EQ(Value(text, "job_duration_seconds_count" + l), 0);
  EXPECT_EQ(Value(text, "job_queue_wait_seconds_count" + l), 0);
}

TEST(MetricsTest, DeclaredJobTypesReadZeroBeforeTheirFirstJob) {
  const std::string l = "{job_type=\"metrics_test.declared\"}";
  EXPECT_EQ(Scraped("jobs_failed_total" + l), -1);
  DeclareJobTypes({"metrics_test.declared"});
  const std::string text = Exposition({});
  EXPECT_EQ(Value(text, "jobs_created_total" + l), 0);
  EXPECT_EQ(Value(text, "jobs_failed_total" + l), 0);
  EXPECT_EQ(Value(text, "job_duration_seconds_count" + l), 0);
}

TEST(MetricsTest, HttpRequestsByRouteMethodAndStatus) {
  RecordHttpRequest("/metrics_test/{id}", "GET", 200, 0.002);
  RecordHttpRequest("/metrics_test/{id}", "GET", 200, 0.004);
  RecordHttpRequest("/metrics_test/{id}", "GET", 404, 0.001);
  const std::string text = Exposition({});
  EXPECT_EQ(Value(text, "conveyor_http_requests_total{method=\"GET\",route=\"/metrics_test/{id}\","
                        "status=\"200\"}"),
            2);
  EXPECT_EQ(Value(text, "conveyor_http_requests_total{method=\"GET\",route=\"/metrics_test/{id}\","
                        "status=\"404\"}"),
            1);
  EXPECT_EQ(Value(text, "conveyor_http_request_duration_seconds_count{method=\"GET\","
                        "route=\"/metrics_test/{id}\"}"),
            3);
}

TEST(MetricsTest, WebhookOutcomesAndStoreCommits) {
  const double delivered = Scraped("conveyor_webhook_deliveries_total{outcome=\"delivered\"}");
  const double failed = Scraped("conveyor_webhook_deliveries_total{outcome=\"failed\"}");
  const double batches = Scraped("conveyor_store_commit_batch_size_count");
  const double commits = Scraped("conveyor_store_commit_seconds_count");
  RecordWebhookDelivery(WebhookOutcome::kDelivered);
  RecordWebhookDelivery(WebhookOutcome::kDelivered);
  RecordWebhookDelivery(WebhookOutcome::kFailed);
  RecordCommitBatchSize(12);
  RecordCommitSeconds(0.003);
  const std::string text = Exposition({});
  EXPECT_EQ(Value(text, "conveyor_webhook_deliveries_total{outcome=\"delivered\"}"), delivered + 2);
  EXPECT_EQ(Value(text, "conveyor_webhook_deliveries_total{outcome=\"failed\"}"), failed + 1);
  EXPECT_EQ(Value(text, "conveyor_store_commit_batch_size_count"), batches + 1);
  EXPECT_EQ(Value(text, "conveyor_store_commit_seconds_count"), commits + 1);
  EXPECT_GE(Value(text, "conveyor_store_commit_batch_size_bucket{le=\"16.0\"}"), 1);
}

TEST(MetricsTest, ScrapeTimeFamiliesComeFirstInTheSameBody) {
  // A family shows only once it has a series: declare one, as a node does at start (ctest runs
  // each test in a process of its own, so no other test has recorded one).
  DeclareJobTypes({"noop"});
  prometheus::MetricFamily pending{.name = "jobs_pending_count",
                                   .help = "Jobs waiting to run.",
                                   .type = prometheus::MetricType::Gauge};
  pending.metric.emplace_back().gauge.value = 23;
  prometheus::MetricFamily module{.name = "scrape_test", .help = "A label ending in le.",
                                  .type = prometheus::MetricType::Gauge};
  prometheus::ClientMetric& m = module.metric.emplace_back();
  m.label = {{"module", "5"}};
  m.gauge.value = 1;
  const std::string text = Exposition({pending});
  EXPECT_TRUE(text.starts_with("# HELP jobs_pending_count Jobs waiting to run.\n"
                               "# TYPE jobs_pending_count gauge\n"
                               "jobs_pending_count 23\n"))
      << text;
  EXPECT_NE(text.find("# TYPE jobs_created_total counter\n"), std::string::npos);
  EXPECT_NE(Exposition({module}).find("scrape_test{module=\"5\"} 1\n"), std::string::npos)
      << "only the le label reads 5.0";
  EXPECT_NE(text.find("# TYPE job_duration_seconds histogram\n"), std::string::npos);
}

}  // namespace
}  // namespace conveyor::observability::metrics
