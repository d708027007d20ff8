#include "observability/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <charconv>
#include <sstream>
#include <utility>

#include "observability/label_cache.h"

namespace conveyor::observability::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;

// Seed 002's range, from 5 ms to 5 minutes (its le="2.5" and le="5.0" are among them).
const Histogram::BucketBoundaries kJobSeconds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                 2.5,   5,    10,    30,   60,  120,  300};
// Requests, including long polls (POST /leases waits up to 30 s).
const Histogram::BucketBoundaries kHttpSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10,
                                                  30};
const Histogram::BucketBoundaries kCommitSeconds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                    0.05,   0.1,   0.25,  0.5,   1,    2.5};
const Histogram::BucketBoundaries kBatchSizes = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

struct JobTypeSeries {
  Counter* created;
  Counter* completed;
  Counter* failed;
  Counter* retried;
  Histogram* duration;
  Histogram* wait;
};

struct HttpSeries {
  Counter* requests;    // route, method, status
  Histogram* duration;  // route, method
};

Family<Counter>& AddCounter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

Family<Histogram>& AddHistogram(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

// The registry and its families, made once per process; series per label set go through the
// caches, so recording never calls Family::Add after a key's first time.
class Metrics {
 public:
  static Metrics& Get() {
    static Metrics* const metrics = new Metrics();  // never destroyed: threads record at exit
    return *metrics;
  }

  prometheus::Registry registry;
  Family<Counter>& created =
      AddCounter(registry, "jobs_created_total", "Jobs submitted to this node.");
  Family<Counter>& completed =
      AddCounter(registry, "jobs_completed_total", "Jobs that succeeded on this node.");
  Family<Counter>& failed = AddCounter(
      registry, "jobs_failed_total", "Jobs that failed for good on this node (no retry left).");
  Family<Counter>& retried = AddCounter(
      registry, "jobs_retried_total", "Attempts that failed on this node and will be retried.");
  Family<Histogram>& duration =
      AddHistogram(registry, "job_duration_seconds",
                   "How long attempts ran on this node (succeeded, retried or failed).");
  Family<Histogram>& wait = AddHistogram(
      registry, "job_queue_wait_seconds",
      "Seconds from when a job could first run until an attempt started on this node.");
  Family<Counter>& http_requests = AddCounter(
      registry, "conveyor_http_requests_total", "HTTP requests answered, by route pattern.");
  Family<Histogram>& http_seconds =
      AddHistogram(registry, "conveyor_http_request_duration_seconds",
                   "From the request's head read until its answer was written.");
  Family<Counter>& webhooks =
      AddCounter(registry, "conveyor_webhook_deliveries_total",
                 "Webhook delivery attempts by outcome (retrying: another attempt follows).");
  Histogram& batch_size =
      AddHistogram(registry, "conveyor_store_commit_batch_size",
                   "Submit requests merged into one insert and made durable by one commit.")
          .Add({}, kBatchSizes);
  Histogram& commit_seconds =
      AddHistogram(registry, "conveyor_store_commit_seconds",
                   "Seconds one group-commit transaction took until it was durable.")
          .Add({}, kCommitSeconds);
  Family<Counter>& pruned = AddCounter(registry, "conveyor_jobs_pruned_total",
                                      "Finished jobs deleted by retention, by their state.");
  Counter* webhook_outcome[3] = {&webhooks.Add({{"outcome", "delivered"}}),
                                 &webhooks.Add({{"outcome", "retrying"}}),
                                 &webhooks.Add({{"outcome", "failed"}})};

  LabelCache<JobTypeSeries> job_types{kMaxLabelSets, [this](std::string_view type) {
    const prometheus::Labels l = {{"job_type", std::string(type)}};
    return JobTypeSeries{&created.Add(l), &completed.Add(l), &failed.Add(l), &retried.Add(l),
                         &duration.Add(l, kJobSeconds), &wait.Add(l, kJobSeconds)};
  }};
  // Keyed "route method status": routes and verbs are bounded, statuses nearly so.
  LabelCache<HttpSeries> http{kMaxLabelSets, [this](std::string_view key) {
    const size_t a = key.find(' ');
    const size_t b = key.rfind(' ');
    if (a == b) {  // kOtherKey
      return HttpSeries{&http_requests.Add({{"route", std::string(key)},
                                            {"method", std::string(key)},
                                            {"status", std::string(key)}}),
                        &http_seconds.Add({{"route", std::string(key)},
                                           {"method", std::string(key)}},
                                          kHttpSeconds)};
    }
    const std::string route(key.substr(0, a)), method(key.substr(a + 1, b - a - 1));
    return HttpSeries{
        &http_requests.Add(
            {{"route", route}, {"method", method}, {"status", std::string(key.substr(b + 1))}}),
        &http_seconds.Add({{"route", route}, {"method", method}}, kHttpSeconds)};
  }};

 private:
  Metrics() = default;
};

// prometheus-cpp writes a whole bound as "5"; seed 002's Python client (and Prometheus 3's
// normalisation) write "5.0", and dashboards match le by its text.
std::string FloatStyleBounds(const std::string& text) {
  static constexpr std::string_view kLe = "le=\"";
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  size_t from = 0;
  for (size_t at = text.find(kLe); at != std::string::npos; at = text.find(kLe, from)) {
    const size_t value = at + kLe.size();
    const size_t end = text.find('"', value);
    if (end == std::string::npos) break;
    out.append(text, from, end - from);
    const std::string_view v(text.data() + value, end - value);
    // The label itself, not a name ending in "le" (labels follow '{' or ',' unescaped).
    const bool label = at > 0 && (text[at - 1] == '{' || text[at - 1] == ',');
    if (label && !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos) {
      out.append(".0");
    }
    from = end;
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace

void RecordJobTransition(const JobTransition& t) {
  const JobTypeSeries s = Metrics::Get().job_types.Get(t.job.type);
  switch (t.kind) {
    case JobEventKind::kSubmitted:
      s.created->Increment();
      return;
    case JobEventKind::kStarted:
      if (t.wait_seconds) s.wait->Observe(*t.wait_seconds);
      return;
    case JobEventKind::kSucceeded:
      s.completed->Increment();
      break;
    case JobEventKind::kRetrying:
      s.retried->Increment();
      break;
    case JobEventKind::kFailed:
      s.failed->Increment();
      break;
    case JobEventKind::kCancelled:
    case JobEventKind::kExpired:
      return;
  }
  if (t.run_seconds) s.duration->Observe(*t.run_seconds);
}

void DeclareJobTypes(const std::vector<std::string>& types) {
  for (const std::string& type : types) Metrics::Get().job_types.Get(type);
}

void RecordHttpRequest(std::string_view route, std::string_view method, unsigned status,
                       double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 5);
  key.append(route).append(" ").append(method).append(" ");
  char digits[8];
  key.append(digits, std::to_chars(digits, digits + sizeof digits, status).ptr);
  const HttpSeries s = Metrics::Get().http.Get(key);
  s.requests->Increment();
  s.duration->Observe(seconds);
}

void RecordWebhookDelivery(WebhookOutcome outcome) {
  Metrics::Get().webhook_outcome[static_cast<int>(outcome)]->Increment();
}

void RecordCommitBatchSize(size_t submits) {
  Metrics::Get().batch_size.Observe(static_cast<double>(submits));
}

void RecordCommitSeconds(double seconds) { Metrics::Get().commit_seconds.Observe(seconds); }

// Four states at most: Family::Add's lock and hash per batch cost nothing next to the delete.
void RecordJobsPruned(std::string_view state, size_t count) {
  if (count == 0) return;
  Metrics::Get().pruned.Add({{"state", std::string(state)}}).Increment(static_cast<double>(count));
}

std::string Exposition(std::vector<prometheus::MetricFamily> scrape_time) {
  std::vector<prometheus::MetricFamily> registered = Metrics::Get().registry.Collect();
  scrape_time.insert(scrape_time.end(), std::make_move_iterator(registered.begin()),
                     std::make_move_iterator(registered.end()));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, scrape_time);
  return FloatStyleBounds(out.str());
}

}  // namespace conveyor::observability::metrics
