// The limit phase of issue 11 (PostgreSQL only): four nodes share one database and a queue with
// concurrency_limit 10; each node has at least 4 workers, so 16+ workers compete for 10 slots.
// Three views of "never more than 10 running":
// - GET /api/v1/queues/{name} `running` sampled on every node every ~20 ms (the issue's figure;
//   that count is one shared scan, cached up to a second);
// - the store itself, read by a thread of the bench every ~5 ms (Store::QueueStatsGet, one
//   consistent snapshot of the RUNNING rows: the count the limit is defined on);
// - the overlap of the jobs' started_at/finished_at afterwards. These times are not the store's
//   RUNNING intervals: started_at is the claim's "now", taken before the claim waits for the
//   limited queue's row lock (another node's claim holds it), and finished_at is taken before
//   the completion commits. A job whose claim waited while another job finished looks as if it
//   overlapped that job, though in the store the count never passed the limit; so this one is
//   printed without a target, beside the store's count.
// Thread-safety: the store sampler thread owns its Store; everything else is the main thread.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <climits>
#include <memory>
#include <thread>
#include <utility>

#include "bench/suite/bench_job_list.h"
#include "bench/suite/bench_phases.h"
#include "store/store_factory.h"

namespace conveyor::bench {
namespace {

namespace json = boost::json;

constexpr int kNodes = 4;
constexpr int kMinWorkers = 4;
constexpr int kLimit = 10;
constexpr double kSleepS = 0.02;
constexpr const char* kQueue = "bench-limited";
constexpr auto kSampleEvery = std::chrono::milliseconds(20);
constexpr auto kStoreSampleEvery = std::chrono::milliseconds(5);

// Reads the queue's RUNNING count straight from the store until stopped; keeps the highest.
class StoreSampler {
 public:
  explicit StoreSampler(const std::string& url) {
    auto store = OpenStore(url);
    if (!store.ok()) throw BenchFailure("cannot open the store: " + store.status().message());
    store_ = std::move(store).value();
    thread_ = std::thread([this] { Run(); });
  }
  ~StoreSampler() { Stop(); }
  StoreSampler(const StoreSampler&) = delete;
  StoreSampler& operator=(const StoreSampler&) = delete;

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int64_t highest() const { return highest_.load(); }
  int64_t samples() const { return samples_.load(); }

 private:
  void Run() {
    while (!stop_.load()) {
      // A failed read is skipped: the figure is the highest count seen, and samples() says
      // how many reads it rests on.
      if (auto stats = store_->QueueStatsGet(0); stats.ok()) {
        for (const QueueStats& q : *stats) {
          auto it = q.by_state.find(JobState::kRunning);
          if (q.name == kQueue && it != q.by_state.end()) {
            highest_.store(std::max(highest_.load(), it->second));
          }
        }
        samples_.fetch_add(1);
      }
      std::this_thread::sleep_for(kStoreSampleEvery);
    }
  }

  std::unique_ptr<Store> store_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> highest_{0};
  std::atomic<int64_t> samples_{0};
  std::thread thread_;
};

const std::string& QueueTarget() {
  static const std::string target = std::string("/api/v1/queues/") + kQueue;
  return target;
}

// An API-only node makes the limited queue, then inserts the sleep jobs into it.
void PrepareQueue(BenchContext& ctx, int jobs) {
  BenchServer loader(ServerSpec(ctx, "limit", 0, "limit-insert"));
  auto client = MustConnect(loader);
  auto res =
      client->Patch(QueueTarget(), R"({"concurrency_limit":)" + std::to_string(kLimit) + "}");
  if (!res.ok() || !res->ok()) throw BenchFailure("PATCH " + QueueTarget() + " failed");
  static const std::string body = BatchBody(
      std::string(R"({"type":"sleep","payload":{"seconds":0.02},"queue":")") + kQueue + "\"}",
      kBatchSize);
  LoadSpec spec = LoadOn(loader);
  spec.connections = 2;
  spec.max_requests = static_cast<uint64_t>((jobs + kBatchSize - 1) / kBatchSize);
  spec.make_request = [](uint64_t) { return LoadRequest{true, "/api/v1/jobs/batch", body}; };
  MustAllSucceed(RunLoad(spec), "POST /jobs/batch (limit)");
  loader.Stop();
}

struct QueueSample {
  int64_t running = 0;
  int64_t finished = 0;
};

QueueSample SampleQueue(HttpClient& client) {
  auto res = client.Get(QueueTarget());
  if (!res.ok() || !res->ok()) throw BenchFailure("GET " + QueueTarget() + " failed");
  const json::object doc = json::parse(res->body).as_object();
  const json::object& depth = doc.at("depth").as_object();
  int64_t finished = 0;
  for (const char* s : {"succeeded", "failed", "cancelled", "expired"}) {
    finished += depth.at(s).to_number<int64_t>();
  }
  return {doc.at("running").to_number<int64_t>(), finished};
}

// Samples every node until the queue has finished `jobs`; returns the highest `running` seen.
int64_t SampleUntilDone(std::vector<std::unique_ptr<HttpClient>>& clients, int jobs,
                        double timeout_s) {
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int64_t highest = 0, finished = 0;
  while (finished < jobs) {
    if (steady_clock::now() > deadline) {
      throw BenchFailure("gave up after " + FormatSeconds(timeout_s) + ": " +
                         FormatCount(finished) + " of " + FormatCount(jobs) + " jobs finished");
    }
    ThrowIfInterrupted();
    for (auto& c : clients) {
      QueueSample s = SampleQueue(*c);
      highest = std::max(highest, s.running);
      finished = std::max(finished, s.finished);
    }
    std::this_thread::sleep_for(kSampleEvery);
  }
  return highest;
}

// The most jobs RUNNING at one instant by their stored times (ms). At equal times a finish
// counts before a start: a slot freed and taken again in the same millisecond is not overlap.
int64_t MaxOverlap(const std::vector<JobTimes>& jobs) {
  std::vector<std::pair<int64_t, int>> edges;
  for (const auto& j : jobs) {
    if (j.started_at_ms == 0 || j.finished_at_ms == 0) continue;
    edges.emplace_back(j.started_at_ms, +1);
    edges.emplace_back(j.finished_at_ms, -1);
  }
  std::sort(edges.begin(), edges.end());
  int64_t now = 0, most = 0;
  for (const auto& e : edges) most = std::max(most, now += e.second);
  return most;
}

double SpanSeconds(const std::vector<JobTimes>& jobs) {
  int64_t first = INT64_MAX, last = 0;
  for (const auto& j : jobs) {
    if (j.started_at_ms > 0) first = std::min(first, j.started_at_ms);
    last = std::max(last, j.finished_at_ms);
  }
  return last > first ? static_cast<double>(last - first) / 1000.0 : 0;
}

void ReportLimit(BenchContext& ctx, int64_t sampled, const StoreSampler& store,
                 const std::vector<JobTimes>& done) {
  const std::string limit = "<= " + std::to_string(kLimit);
  ctx.Report({"limit 10, 4 nodes: highest running (API)", FormatCount(sampled), limit,
              "GET /queues/{name} every 20 ms per node; cached <= 1 s", sampled <= kLimit});
  ctx.Report({"limit 10, 4 nodes: highest RUNNING (store)", FormatCount(store.highest()), limit,
              FormatCount(store.samples()) + " reads of the store, ~5 ms apart",
              store.highest() <= kLimit});
  ctx.Report({"limit 10, 4 nodes: overlap of job times", FormatCount(MaxOverlap(done)), "",
              "not the store's count: started_at is taken before the claim's lock wait"});
  const double span = SpanSeconds(done);
  const double rate = span > 0 ? static_cast<double>(done.size()) / span : 0;
  ctx.Report({"limit 10, 4 nodes: throughput", FormatCount(rate) + " jobs/s", "",
              "10 slots / 20 ms = " + FormatCount(kLimit / kSleepS) + " jobs/s"});
}

}  // namespace

void RunLimitPhase(BenchContext& ctx) {
  if (!ctx.options.IsPostgres()) {
    ctx.Note("\n[limit] skipped: several nodes share a database only on PostgreSQL (--store)");
    return;
  }
  const int jobs = ctx.sizes.limit_jobs;
  const int workers = std::max(kMinWorkers, ctx.options.workers);
  ctx.Note("\n[limit] " + FormatCount(jobs) + " sleep jobs of 20 ms in queue " + kQueue +
           " (concurrency_limit 10), run by " + std::to_string(kNodes) + " nodes with " +
           std::to_string(workers) + " workers each");
  PrepareQueue(ctx, jobs);
  StoreSampler store(ctx.StoreUrl("limit"));
  std::vector<std::unique_ptr<BenchServer>> servers;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kNodes; ++i) {
    servers.push_back(std::make_unique<BenchServer>(
        ServerSpec(ctx, "limit", workers, "limit-n" + std::to_string(i))));
    clients.push_back(MustConnect(*servers.back()));
  }
  // Ten times the ideal duration, plus start-up.
  const double timeout_s = 10 * jobs * kSleepS / kLimit + 120;
  const int64_t sampled = SampleUntilDone(clients, jobs, timeout_s);
  PollStatsUntil(*clients.front(), timeout_s,
                 [](const StatsSnapshot& s) { return s.Unfinished() == 0; });
  const std::vector<JobTimes> done = ListJobs(*clients.front(), "type=sleep", jobs);
  store.Stop();
  for (auto& srv : servers) srv->Stop();
  ReportLimit(ctx, sampled, store, done);
}

}  // namespace conveyor::bench
