// WebhookDispatcher: sends the webhook deliveries the store holds (docs/api.md, "Webhooks").
//
// The store creates a pending delivery in the same transaction that makes a job with a
// webhook_url terminal, so nothing here has to be told about finished jobs: the dispatcher claims
// due deliveries (DeliveryClaimDue), freezes each one's body at its first attempt (stored with
// DeliveryRecord.payload, so retries and redeliveries send the same bytes), signs every attempt
// (Standard Webhooks; webhook-id and Idempotency-Key = "<job_id>.<n>", stable across retries),
// gives every attempt a W3C traceparent in the job's trace with a span of its own,
// hands it to the WebhookSender (many in flight, keep-alive), and records the outcomes
// (retry_schedule.h decides delivered / retry when / failed) in batches: one
// Store::DeliveryRecordMany for every outcome that finished while the previous write ran, so an
// outcome waits at most one write and a busy round costs one transaction, not one per delivery.
// Between claims it sleeps until the next delivery falls due (DeliveryNextAt), a Wake(), a
// finished attempt, or idle_poll_ms.
//
// Every node runs one: claims are leases (lease = timeout + margin), so concurrent dispatchers
// never send one attempt twice while it is in flight, and deliveries pending when a node stopped
// (or crashed) are sent after a restart — by this node or another — because they are rows, not
// memory. Delivery is at-least-once: a crash between the receiver's 2xx and the record re-sends
// the same webhook-id, which receivers dedupe on. A batched write that fails records none of its
// outcomes: those deliveries stay pending under their claim and are sent again when it ends.
//
// Threads: one claim loop, `build_threads` threads that read the job, build, sign and hand over
// claimed deliveries, one recorder, and the sender's own thread.
// Lifecycle: Start()/Stop(); Stop() is idempotent, safe before Start(), and called by the
// destructor. Attempts cut short by Stop() are recorded as retryable and due at once; Stop()
// returns after every outcome it has was written.
// Thread-safety: Wake() and the counters may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "outbound/url_policy.h"
#include "store/store.h"
#include "webhooks/retry_schedule.h"
#include "webhooks/sender.h"
#include "webhooks/signature.h"

namespace conveyor {

struct WebhookDispatcherConfig {
  std::string secret;  // WEBHOOK_SECRET; empty: deliveries carry no webhook-signature
  WebhookRetryConfig retry;
  int timeout_ms = 30000;   // WEBHOOK_TIMEOUT_SECONDS: one attempt, connect to last byte
  int max_in_flight = 256;  // attempts claimed and not yet recorded, at most
  int claim_batch = 256;    // deliveries per claim, at most
  // Threads that build bodies, one job read each: reads run in parallel on the store's read
  // connections (or PostgreSQL round trips), the CPU work is a few tens of µs per delivery.
  int build_threads = 8;
  // Outcomes per DeliveryRecordMany, at most (a round bigger than this takes several writes).
  int record_batch = 1024;
  // How often to look for due deliveries when nothing else wakes the dispatcher: deliveries are
  // created by job transitions anywhere (any worker, any node).
  TimeMs idle_poll_ms = 250;
  UrlPolicy policy;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(Store& store, const Clock& clock, WebhookDispatcherConfig config);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // FailedPrecondition when started before; InvalidArgument for a malformed secret.
  Status Start();
  void Stop();
  // Deliveries may be due now (a job finished here, a redelivery was asked for).
  void Wake();

  // Outcomes recorded since Start, by kind (tests, benchmark, logs).
  int64_t delivered() const { return delivered_.load(); }
  int64_t retried() const { return retried_.load(); }
  int64_t failed() const { return failed_.load(); }

 private:
  struct Outcome {
    WebhookDelivery delivery;
    bool payload_is_new = false;  // built for this attempt: store it with the record
    WebhookSendResult result;
  };

  void ClaimLoop();
  // Claims what fits in flight and sends it; returns how many were claimed.
  int ClaimAndSend();
  void Send(WebhookDelivery d);
  // `job` (for its trace) is null when the job is gone.
  HttpRequestSpec BuildRequest(const WebhookDelivery& d, const std::string& body,
                               const Job* job) const;
  bool SleepUntilDue(int full_claim);
  bool DueNow();
  void BuildLoop();
  void RecordLoop();
  // Writes one batch of outcomes, counts and logs them, and frees their places in flight.
  void Record(std::vector<Outcome> batch);
  DeliveryRecordParams RecordOf(Outcome& o, TimeMs now) const;
  void Count(const Outcome& o, const DeliveryRecordParams& p, const Status& answer);
  void Finish(int done, bool retry);  // `done` attempts fewer in flight
  void Enqueue(Outcome o);

  Store& store_;
  const Clock& clock_;
  const WebhookDispatcherConfig config_;
  WebhookSender sender_;
  std::unique_ptr<WebhookSigner> signer_;  // null without a secret

  std::mutex mu_;
  std::condition_variable wake_cv_;      // the claim loop sleeps on it
  std::condition_variable build_cv_;     // build threads wait on it
  std::condition_variable record_cv_;    // the recorder waits on it
  std::vector<Outcome> outcomes_;        // REQUIRES: mu_ held; the next batch to record
  std::deque<WebhookDelivery> to_send_;  // claimed, not yet handed to the sender; REQUIRES: mu_
  int in_flight_ = 0;                    // REQUIRES: mu_ held
  bool woken_ = false;                   // REQUIRES: mu_ held
  bool started_ = false;                 // REQUIRES: mu_ held
  bool stopping_ = false;                // REQUIRES: mu_ held; the claim loop ends
  bool builds_done_ = false;             // REQUIRES: mu_ held; build threads end when empty
  bool records_done_ = false;            // REQUIRES: mu_ held; the recorder ends when empty
  std::thread claim_thread_;
  std::vector<std::thread> build_threads_;
  std::thread record_thread_;

  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> retried_{0};
  std::atomic<int64_t> failed_{0};
};

}  // namespace conveyor
