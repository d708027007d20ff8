#include "webhooks/dispatcher.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <limits>

#include "core/trace_context.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "webhooks/event.h"

namespace conveyor {
namespace {

namespace metrics = observability::metrics;

// A claim outlives its attempt by this much: time to record the outcome after the timeout.
constexpr TimeMs kLeaseMarginMs = 10000;

std::string MessageId(const WebhookDelivery& d) { return d.job_id + "." + std::to_string(d.n); }

bool IsShutdownCancel(const WebhookSendResult& r) {
  return !r.response.ok() && r.response.status().code() == StatusCode::kCancelled;
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(Store& store, const Clock& clock,
                                     WebhookDispatcherConfig config)
    : store_(store),
      clock_(clock),
      config_(std::move(config)),
      sender_(WebhookSenderOptions{.policy = config_.policy,
                                   .max_in_flight = std::max(1, config_.max_in_flight)}),
      signer_(config_.secret.empty() ? nullptr : std::make_unique<WebhookSigner>(config_.secret)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Status WebhookDispatcher::Start() {
  if (!config_.secret.empty()) {
    if (Status s = CheckWebhookSecret(config_.secret); !s.ok()) return s;
  } else {
    log::Warn("webhooks_unsigned",
              {{"reason", "no WEBHOOK_SECRET: deliveries carry no signature"}});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_) {
    return Status::FailedPrecondition("the webhook dispatcher was started before");
  }
  if (Status s = sender_.Start(); !s.ok()) return s;
  started_ = true;
  for (int i = 0; i < std::max(1, config_.build_threads); ++i) {
    build_threads_.emplace_back([this] { BuildLoop(); });
  }
  record_thread_ = std::thread([this] { RecordLoop(); });
  claim_thread_ = std::thread([this] { ClaimLoop(); });
  return Status::Ok();
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (claim_thread_.joinable()) claim_thread_.join();
  // Attempts still in flight complete with Cancelled and are recorded as due again at once;
  // claimed deliveries not yet built are handed to the stopped sender, which answers the same.
  sender_.Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    builds_done_ = true;
  }
  build_cv_.notify_all();
  for (std::thread& t : build_threads_) t.join();
  build_threads_.clear();
  // Every outcome is queued now; the recorder writes them all before it ends.
  {
    std::lock_guard<std::mutex> lock(mu_);
    records_done_ = true;
  }
  record_cv_.notify_all();
  if (record_thread_.joinable()) record_thread_.join();
}

void WebhookDispatcher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  wake_cv_.notify_one();
}

void WebhookDispatcher::ClaimLoop() {
  bool claim = true;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    claim = SleepUntilDue(claim ? ClaimAndSend() : 0);
  }
}

// A claim is a write; looking whether anything is due is a read. Idle nodes only read.
bool WebhookDispatcher::DueNow() {
  Result<std::optional<TimeMs>> next = store_.DeliveryNextAt();
  return !next.ok() || (*next && **next <= clock_.NowMs());
}

int WebhookDispatcher::ClaimAndSend() {
  int room = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    room = std::min(config_.max_in_flight - in_flight_, std::max(1, config_.claim_batch));
  }
  if (room <= 0) return 0;
  Result<std::vector<WebhookDelivery>> claimed = store_.DeliveryClaimDue(
      {.now = clock_.NowMs(), .limit = room, .lease_ms = config_.timeout_ms + kLeaseMarginMs});
  if (!claimed.ok()) {
    log::Warn("webhook_claim_failed", {{"error", claimed.status().ToString()}});
    return 0;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ += static_cast<int>(claimed->size());
  }
  {
    // Reading the job and building the body happen on the worker threads, in parallel.
    std::lock_guard<std::mutex> lock(mu_);
    for (WebhookDelivery& d : *claimed) to_send_.push_back(std::move(d));
  }
  build_cv_.notify_all();
  return claimed->size() == static_cast<size_t>(room) ? room : 0;
}

// A full claim means more may be due: go again at once (unless in flight is full, then wait for
// attempts to finish). Otherwise sleep until the next delivery falls due, a wake-up, or the idle
// poll. Returns whether to claim now.
bool WebhookDispatcher::SleepUntilDue(int full_claim) {
  TimeMs now = clock_.NowMs();
  TimeMs until = now + std::max<TimeMs>(1, config_.idle_poll_ms);
  std::unique_lock<std::mutex> lock(mu_);
  const bool full = in_flight_ >= config_.max_in_flight;
  if (full_claim > 0 && !full) return true;
  if (!full) {
    lock.unlock();
    Result<std::optional<TimeMs>> next = store_.DeliveryNextAt();
    if (next.ok() && *next && **next <= now) return true;
    if (next.ok() && *next) until = std::min(**next, until);
    lock.lock();
  }
  const auto wait = std::chrono::milliseconds(std::max<TimeMs>(0, until - now));
  if (wake_cv_.wait_for(lock, wait, [this] { return woken_ || stopping_; })) return true;
  lock.unlock();
  return DueNow();
}

void WebhookDispatcher::Send(WebhookDelivery d) {
  std::string body;
  bool is_new = false;
  Result<Job> job = store_.JobGet(d.job_id);
  if (d.payload) {
    // A retry sends the frozen body; the job is read for its trace only, and one that is gone
    // by now is still notified, without a trace.
    body = *d.payload;
  } else {
    if (!job.ok()) {
      // A job that is gone cannot be described: failed. Any other read error: try again later.
      std::string what =
          "job " + d.job_id + " could not be read for its webhook: " + job.status().message();
      Status why = job.status().code() == StatusCode::kNotFound ? Status::NotFound(what)
                                                                : Status::Unavailable(what);
      Enqueue(Outcome{std::move(d), false, WebhookSendResult{.response = why}});
      return;
    }
    body = WebhookEventJson(d, *job, clock_.NowMs());
    is_new = true;
  }
  HttpRequestSpec spec = BuildRequest(d, body, job.ok() ? &*job : nullptr);
  d.payload = std::move(body);
  sender_.Submit(std::move(spec), [this, d = std::move(d), is_new](WebhookSendResult r) mutable {
    Enqueue(Outcome{std::move(d), is_new, std::move(r)});
  });
}

HttpRequestSpec WebhookDispatcher::BuildRequest(const WebhookDelivery& d, const std::string& body,
                                                const Job* job) const {
  const std::string id = MessageId(d);
  const std::string timestamp = std::to_string(clock_.NowMs() / 1000);
  HttpRequestSpec spec{
      .method = "POST", .url = d.url, .body = body, .timeout_ms = config_.timeout_ms};
  spec.headers = {{"Content-Type", "application/json"},
                  {"User-Agent", "Conveyor-Webhooks/1"},
                  {"Idempotency-Key", id},
                  {"webhook-id", id},
                  {"webhook-timestamp", timestamp}};
  if (job != nullptr) {
    if (std::string t = ChildTraceParent(JobTraceParent(job->traceparent, job->id)); !t.empty()) {
      spec.headers.emplace_back("traceparent", std::move(t));
      if (job->tracestate) spec.headers.emplace_back("tracestate", *job->tracestate);
    }
  }
  if (signer_) spec.headers.emplace_back("webhook-signature", signer_->Sign(id, timestamp, body));
  return spec;
}

void WebhookDispatcher::Enqueue(Outcome o) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    outcomes_.push_back(std::move(o));
  }
  record_cv_.notify_one();
}

void WebhookDispatcher::BuildLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    build_cv_.wait(lock, [this] { return !to_send_.empty() || builds_done_; });
    if (to_send_.empty()) return;
    WebhookDelivery d = std::move(to_send_.front());
    to_send_.pop_front();
    lock.unlock();
    Send(std::move(d));  // after Stop, the sender answers Cancelled: recorded as interrupted
  }
}

// Takes every outcome queued (up to record_batch) and writes them in one call. Outcomes that
// finish during that write form the next batch: the batch grows with the load, and no outcome
// waits longer than the write before its own.
void WebhookDispatcher::RecordLoop() {
  const size_t cap = static_cast<size_t>(std::max(1, config_.record_batch));
  for (;;) {
    std::vector<Outcome> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      record_cv_.wait(lock, [this] { return !outcomes_.empty() || records_done_; });
      if (outcomes_.empty()) return;
      if (outcomes_.size() <= cap) {
        batch.swap(outcomes_);
      } else {
        batch.assign(std::make_move_iterator(outcomes_.begin()),
                     std::make_move_iterator(outcomes_.begin() + static_cast<ptrdiff_t>(cap)));
        outcomes_.erase(outcomes_.begin(), outcomes_.begin() + static_cast<ptrdiff_t>(cap));
      }
    }
    Record(std::move(batch));
  }
}

// Moves the frozen body out of `o` when this attempt built it (it is stored with the record).
DeliveryRecordParams WebhookDispatcher::RecordOf(Outcome& o, TimeMs now) const {
  DeliveryRecordParams p;
  if (IsShutdownCancel(o.result)) {
    // Our shutdown, not the receiver's fault: due again at once, on whichever node runs next.
    p = DeliveryRecordParams{
        .now = now,
        .outcome = DeliveryOutcome::kRetry,
        .next_attempt_at = now,
        .error = "interrupted: this node shut down before the receiver answered",
        .duration_ms = o.result.duration_ms};
  } else {
    p = JudgeWebhookAttempt(o.result, o.delivery.attempts + 1, now, config_.retry);
  }
  p.job_id = o.delivery.job_id;
  p.n = o.delivery.n;
  if (o.payload_is_new) p.payload = std::move(o.delivery.payload);
  return p;
}

void WebhookDispatcher::Record(std::vector<Outcome> batch) {
  const TimeMs now = clock_.NowMs();
  std::vector<DeliveryRecordParams> records;
  records.reserve(batch.size());
  for (Outcome& o : batch) records.push_back(RecordOf(o, now));
  const Result<std::vector<Status>> answers = store_.DeliveryRecordMany(records);
  if (!answers.ok()) {
    // None of them was written: each stays pending under its claim's lease and is sent again
    // when that ends. Nothing is lost, nothing is recorded twice.
    log::Warn("webhook_record_failed", {{"deliveries", std::to_string(batch.size())},
                                        {"error", answers.status().ToString()}});
  }
  bool retry = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (answers.ok()) Count(batch[i], records[i], (*answers)[i]);
    retry = retry || records[i].outcome == DeliveryOutcome::kRetry;
  }
  Finish(static_cast<int>(batch.size()), retry);
}

void WebhookDispatcher::Count(const Outcome& o, const DeliveryRecordParams& p,
                              const Status& answer) {
  const WebhookDelivery& d = o.delivery;
  if (!answer.ok()) {
    // This delivery changed under us (another node recorded it, or the job was pruned).
    log::Warn("webhook_record_failed",
              {{"webhook_id", MessageId(d)}, {"error", answer.ToString()}});
  } else if (p.outcome == DeliveryOutcome::kDelivered) {
    delivered_.fetch_add(1);
    metrics::RecordWebhookDelivery(metrics::WebhookOutcome::kDelivered);
  } else if (p.outcome == DeliveryOutcome::kRetry) {
    retried_.fetch_add(1);
    metrics::RecordWebhookDelivery(metrics::WebhookOutcome::kRetrying);
  } else {
    failed_.fetch_add(1);
    metrics::RecordWebhookDelivery(metrics::WebhookOutcome::kFailed);
    log::Warn("webhook_failed", {{"webhook_id", MessageId(d)}, {"url", d.url}, {"error", p.error}});
  }
}

// `done` attempts fewer in flight. The claim loop is woken when in flight drops to half (so it
// claims in batches, not one by one) and after a retry, which may fall due before its sleep ends.
void WebhookDispatcher::Finish(int done, bool retry) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ -= done;
    wake = retry || in_flight_ <= config_.max_in_flight / 2;
    if (wake) woken_ = true;
  }
  if (wake) wake_cv_.notify_one();
}

}  // namespace conveyor
