// Webhook delivery throughput and memory (issue 4), against a local keep-alive receiver
// (bench/suite/webhook_receiver.h: one epoll thread answering "200, Content-Length: 0" to every
// request, so the receiver is not what is measured):
//   BM_WebhookSender          WebhookSender alone: POSTs per second with N in flight
//   BM_WebhookDispatcher      the whole path with a real SQLite store: claim, build and freeze
//                             the payload, sign, send, record — deliveries per second. Args: in
//                             flight, deliveries. The 2,000 case is the fixed workload for
//                             instructions per delivery, repeatable on a noisy machine:
//     valgrind --tool=callgrind --instr-atstart=no conveyor_micro_bench
//         --benchmark_filter=BM_WebhookDispatcher/256/2000/
//     (the dispatch alone is collected; callgrind_annotate's total / 2,000)
//   BM_WebhookPendingMemory   100,000 deliveries pending on a receiver that is down (connection
//                             refused): RSS while the dispatcher keeps retrying them
// Run: conveyor_micro_bench --benchmark_filter=Webhook
#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/suite/webhook_receiver.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/store_factory.h"
#include "webhooks/dispatcher.h"
#include "webhooks/sender.h"

namespace conveyor {
namespace {

using bench::WebhookReceiver;

int64_t RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
  }
  return 0;
}

const std::string kBody =
    R"({"type":"job.succeeded","timestamp":"2026-11-22T09:00:00.000Z","data":{"id":"0192f0c1-8d3c-7abc-9def-0123456789ab","status":"SUCCEEDED","result":{"sum":14}}})";

void BM_WebhookSender(benchmark::State& state) {
  WebhookReceiver receiver;
  const int total = static_cast<int>(state.range(1));
  for (auto _ : state) {
    WebhookSender sender(WebhookSenderOptions{.max_in_flight = static_cast<int>(state.range(0))});
    sender.Start();
    std::atomic<int> done{0};
    std::atomic<int64_t> ms{0};
    for (int i = 0; i < total; ++i) {
      sender.Submit({.method = "POST",
                     .url = receiver.Url(),
                     .headers = {{"Content-Type", "application/json"}},
                     .body = kBody},
                    [&](WebhookSendResult r) {
                      ms.fetch_add(r.duration_ms);
                      done.fetch_add(1);
                    });
    }
    while (done.load() < total) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    state.counters["connections"] = static_cast<double>(sender.connections_opened());
    state.counters["avg_transfer_ms"] = static_cast<double>(ms.load()) / total;
  }
  state.SetItemsProcessed(state.iterations() * total);
}
BENCHMARK(BM_WebhookSender)
    ->Args({1, 200})
    ->Args({64, 20000})
    ->Args({256, 20000})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A fresh SQLite store holding `n` SUCCEEDED jobs with this webhook_url, hence n pending
// deliveries (the store creates them in the terminal transition).
std::unique_ptr<Store> StoreWithPendingDeliveries(const std::string& dir, int n,
                                                  const std::string& url) {
  std::filesystem::create_directories(dir);
  auto store = std::move(OpenStore("sqlite:" + dir + "/bench.db")).value();
  store->Migrate();
  const TimeMs now = SystemClock::Default()->NowMs();
  for (int done = 0; done < n; done += 1000) {
    JobInsertManyParams insert{.now = now};
    for (int i = done; i < std::min(n, done + 1000); ++i) {
      Job job;
      job.id = NewUuidV7(now);
      job.type = "square_sum";
      job.payload = R"({"data":[1,2,3]})";
      job.webhook_url = url;
      job.created_at = job.updated_at = job.run_at = now;
      job.request_hash = Fingerprint(job.id);
      insert.jobs.push_back(std::move(job));
    }
    store->JobInsertMany(insert);
    auto claimed =
        std::move(store->JobClaim({.worker_id = "bench", .max = 1000, .now = now})).value();
    JobCompleteManyParams complete{.now = now};
    for (const Job& j : claimed) {
      complete.completions.push_back(
          {.id = j.id, .lease_token = j.lease->token, .result = R"({"sum":14})"});
    }
    store->JobCompleteMany(complete);
  }
  return store;
}

void BM_WebhookDispatcher(benchmark::State& state) {
  WebhookReceiver receiver;
  const int total = static_cast<int>(state.range(1));
  const std::string dir = "/tmp/conveyor-webhook-bench-" + std::to_string(getpid());
  for (auto _ : state) {
    state.PauseTiming();
    auto store = StoreWithPendingDeliveries(dir, total, receiver.Url());
    WebhookDispatcher dispatcher(*store, *SystemClock::Default(),
                                 {.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                  .max_in_flight = static_cast<int>(state.range(0)),
                                  .claim_batch = static_cast<int>(state.range(0))});
    state.ResumeTiming();
    CALLGRIND_START_INSTRUMENTATION;  // no-ops outside valgrind
    dispatcher.Start();
    while (dispatcher.delivered() < total)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    CALLGRIND_STOP_INSTRUMENTATION;
    state.PauseTiming();
    dispatcher.Stop();
    state.counters["received"] = static_cast<double>(receiver.requests());
    store.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * total);
}
BENCHMARK(BM_WebhookDispatcher)
    ->Args({256, 20000})
    ->Args({1024, 20000})
    ->Args({256, 2000})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_WebhookPendingMemory(benchmark::State& state) {
  const int total = 100000;
  const std::string dir = "/tmp/conveyor-webhook-mem-" + std::to_string(getpid());
  for (auto _ : state) {
    // Bound, then closed: connection refused, so every attempt fails fast and is retried.
    WebhookReceiver* gone = new WebhookReceiver();
    const std::string url = gone->Url();
    delete gone;
    auto store = StoreWithPendingDeliveries(dir, total, url);
    const int64_t before_kb = RssKb();
    int64_t peak_kb = before_kb;
    {
      WebhookDispatcher dispatcher(*store, *SystemClock::Default(),
                                   {.retry = {.max_retries = 1000, .backoff_base_s = 1.5}});
      dispatcher.Start();
      for (int i = 0; i < 100; ++i) {  // 10 s
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        peak_kb = std::max(peak_kb, RssKb());
      }
      state.counters["attempts_recorded"] = static_cast<double>(dispatcher.retried());
    }
    state.counters["pending"] = static_cast<double>(*store->DeliveryCountPending());
    state.counters["rss_before_MB"] = before_kb / 1024.0;
    state.counters["rss_peak_MB"] = peak_kb / 1024.0;
    store.reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_WebhookPendingMemory)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace conveyor
