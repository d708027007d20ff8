// The webhook phase (issue 15's "webhook deliveries, full path", target >= 10,000/s). N jobs
// whose webhook_url points at an in-process receiver (webhook_receiver.h) are made SUCCEEDED
// through the store (insert, claim, complete: the terminal transition creates each pending
// delivery), then a server starts on that database and its dispatcher claims, builds, signs,
// sends and records them all. Timed from the receiver's first request until the store holds no
// pending delivery, so the server's start-up is left out and every outcome is written. The
// same-run ceiling is the WebhookSender alone posting N bodies to the same receiver with the
// dispatcher's in-flight limit.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "bench/suite/bench_phases.h"
#include "bench/suite/webhook_receiver.h"
#include "core/ids.h"
#include "store/store_factory.h"
#include "webhooks/dispatcher.h"
#include "webhooks/sender.h"

namespace conveyor::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStoreBatch = 1000;
constexpr double kTimeoutS = 120;
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// About the size of a job.succeeded event with a small result.
const std::string kBody =
    R"({"type":"job.succeeded","timestamp":"2026-11-22T09:00:00.000Z","data":{"id":)"
    R"("0192f0c1-8d3c-7abc-9def-0123456789ab","job_id":"0192f0c1-8d3c-7abc-9def-0123456789ab",)"
    R"("type":"square_sum","queue":"default","status":"SUCCEEDED","attempt":1,"result":)"
    R"({"sum":14},"error":null,"created_at":"2026-11-22T09:00:00.000Z"}})";

int Deliveries(const BenchContext& ctx) { return ctx.options.quick ? 5000 : 20000; }

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::unique_ptr<Store> MustOpenStore(const BenchContext& ctx) {
  auto store = OpenStore(ctx.StoreUrl("webhooks"));
  if (!store.ok()) throw BenchFailure("open the webhook store: " + store.status().message());
  if (Status s = (*store)->Migrate(); !s.ok()) throw BenchFailure("migrate: " + s.message());
  return std::move(store).value();
}

// `count` SUCCEEDED jobs with this webhook_url, hence `count` pending deliveries.
void MakeDeliveries(Store& store, int count, const std::string& url) {
  const TimeMs now = SystemClock::Default()->NowMs();
  for (int done = 0; done < count; done += kStoreBatch) {
    ThrowIfInterrupted();
    JobInsertManyParams insert{.now = now};
    for (int i = done; i < std::min(count, done + kStoreBatch); ++i) {
      Job job{.id = NewUuidV7(now), .type = "square_sum", .payload = R"({"data":[1,2,3]})"};
      job.webhook_url = url;
      job.created_at = job.updated_at = job.run_at = now;
      job.request_hash = "bench";
      insert.jobs.push_back(std::move(job));
    }
    if (auto r = store.JobInsertMany(insert); !r.ok()) throw BenchFailure(r.status().message());
    auto claimed = store.JobClaim({.worker_id = "bench", .max = kStoreBatch, .now = now});
    if (!claimed.ok()) throw BenchFailure("claim: " + claimed.status().message());
    JobCompleteManyParams complete{.now = now};
    for (const Job& j : *claimed) {
      complete.completions.push_back(
          {.id = j.id, .lease_token = j.lease->token, .result = R"({"sum":14})"});
    }
    if (auto r = store.JobCompleteMany(complete); !r.ok()) throw BenchFailure(r.status().message());
  }
}

// Posts `count` bodies through one WebhookSender; returns requests per second.
double SenderAlone(const WebhookReceiver& receiver, int count) {
  WebhookSender sender(WebhookSenderOptions{.max_in_flight = WebhookDispatcherConfig{}.max_in_flight});
  if (Status s = sender.Start(); !s.ok()) throw BenchFailure("sender: " + s.message());
  std::atomic<int> done{0};
  const auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    sender.Submit({.method = "POST",
                   .url = receiver.Url(),
                   .headers = {{"Content-Type", "application/json"}},
                   .body = kBody},
                  [&done](WebhookSendResult) { done.fetch_add(1); });
  }
  while (done.load() < count && Seconds(t0) < kTimeoutS) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double s = Seconds(t0);
  if (done.load() < count) throw BenchFailure("the sender alone did not finish");
  return count / s;
}

// Waits for the receiver's first request, then until nothing is pending; returns the seconds.
double TimeDispatch(Store& store, const WebhookReceiver& receiver) {
  const auto start = Clock::now();
  while (receiver.requests() == 0 && Seconds(start) < kTimeoutS) {
    ThrowIfInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto t0 = Clock::now();
  for (;;) {
    ThrowIfInterrupted();
    auto pending = store.DeliveryCountPending();
    if (!pending.ok()) throw BenchFailure("count pending: " + pending.status().message());
    if (*pending == 0) return Seconds(t0);
    if (Seconds(start) > kTimeoutS) throw BenchFailure("deliveries still pending after 120 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

void RunWebhookPhase(BenchContext& ctx) {
  const int n = Deliveries(ctx);
  ctx.Note("\n[webhooks] " + FormatCount(n) +
           " pending deliveries sent, signed, to a local keep-alive receiver");
  WebhookReceiver receiver;
  const double ceiling = SenderAlone(receiver, n);
  auto store = MustOpenStore(ctx);
  MakeDeliveries(*store, n, receiver.Url());
  const int64_t received0 = receiver.requests();
  BenchServerSpec spec = ServerSpec(ctx, "webhooks", 0, "webhooks");
  spec.extra = {"--webhook-secret", kSecret};
  BenchServer server(spec);
  const double s = TimeDispatch(*store, receiver);
  const double rate = n / s;
  ctx.Report({"webhook deliveries, full path", FormatCount(rate) + " deliveries/s",
              ">= 10,000 deliveries/s", "sender alone " + FormatCount(ceiling) + " req/s",
              rate >= 10000});
  ctx.Note("    " + FormatCount(static_cast<double>(receiver.requests() - received0)) +
           " requests received in " + FormatSeconds(s) + "; server CPU " +
           FormatMicros(static_cast<double>(server.CpuMicros()) / n) +
           " per delivery (start-up included)");
  server.Stop();
}

}  // namespace conveyor::bench
