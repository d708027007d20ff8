// Metrics: the process's one Prometheus registry (prometheus-cpp) and the calls that record
// into it — seed 002's job metrics (jobs_created_total, jobs_completed_total, jobs_failed_total,
// jobs_retried_total, job_duration_seconds, job_queue_wait_seconds, all by job_type), HTTP
// requests by route, webhook deliveries by outcome and the store's group commits. Gauges read
// at scrape time (jobs by state, queues, workers) are not kept here: GET /metrics builds them
// per scrape and passes them to Exposition, so a deleted queue leaves no stale series.
//
// Cost: every Record* call is a few atomic adds (a histogram observation also takes
// prometheus-cpp's per-series mutex, uncontended in practice) after one lookup of the series
// under a shared lock; Family::Add, which locks and hashes the label set, runs once per label
// set. Label values that callers do not bound (job types, HTTP route and status) are capped at
// kMaxLabelSets distinct sets per family group; later ones are counted under "other".
//
// Thread-safety: every function may be called from any thread, concurrently. Never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "observability/job_transition.h"

namespace conveyor::observability::metrics {

inline constexpr size_t kMaxLabelSets = 500;
inline constexpr std::string_view kOtherLabel = "other";

// submitted → jobs_created_total; started → job_queue_wait_seconds; succeeded →
// jobs_completed_total + job_duration_seconds; retrying → jobs_retried_total (+ duration);
// failed → jobs_failed_total (+ duration). Cancelled and expired are not counted here.
void RecordJobTransition(const JobTransition& transition);

// Makes the job-type series of `types` now, at zero (the node's registered types), so a rate
// over them works from the first job and a dashboard reads 0 rather than no data.
void DeclareJobTypes(const std::vector<std::string>& types);

// One answered HTTP request. `route` is the router's pattern ("/jobs/{id}") or "unmatched",
// never the raw path; `method` one of the HTTP verbs the server knows.
void RecordHttpRequest(std::string_view route, std::string_view method, unsigned status,
                       double seconds);

enum class WebhookOutcome { kDelivered, kRetrying, kFailed };
// One delivery attempt whose outcome the store recorded.
void RecordWebhookDelivery(WebhookOutcome outcome);

// Submit requests merged into one insert that one commit makes durable.
void RecordCommitBatchSize(size_t submits);
// Seconds one group-commit transaction took, from its start until it was durable.
void RecordCommitSeconds(double seconds);

// Finished jobs the retention pruner deleted, by their state's name ("SUCCEEDED", ...):
// conveyor_jobs_pruned_total{state}.
void RecordJobsPruned(std::string_view state, size_t count);

// The text/plain 0.0.4 body: `scrape_time` (families the caller read for this scrape) followed
// by every family of the registry. Bucket bounds read as seed 002's Python client writes them
// (le="5.0", not le="5").
std::string Exposition(std::vector<prometheus::MetricFamily> scrape_time);

}  // namespace conveyor::observability::metrics
