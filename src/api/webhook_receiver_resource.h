// Webhook receiver: the seed's test endpoint that "simulates an external system receiving job
// completion notifications" — a sink to point webhook_url (or a document.pipeline) at.
//
//   POST /webhook-receiver  body: any JSON, or none (recorded as null). When a secret is
//                           configured, the Standard Webhooks headers (webhook-id,
//                           webhook-timestamp, webhook-signature) must verify against it
//                           (else 401). The idempotency key is the Idempotency-Key
//                           header, else webhook-id; a key already received is answered
//                           200 {"received": true, "duplicate": true, ...} and not recorded again.
//   GET  /webhook-receiver  ?limit=1..1000 (default 100): the receipts, newest first.
//
// WebhookReceipts keeps the last kMaxReceipts receipts, at most kMaxReceiptBytes, in memory (and
// their keys for the duplicate check); older ones are forgotten, so a key is recognised as a
// duplicate for as long as its receipt is kept. Nothing is stored on disk: this is a test sink, not
// an inbox.
//
// Each HttpServer owns one WebhookReceiver, built with the server's webhook_receiver_secret
// (ServerConfig), and hands it to the routes through RequestContext::webhook_receiver: two
// servers in one process (tests) keep separate receipts. Thread-safe: the secret is fixed at
// construction and WebhookReceipts takes its own mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/request_context.h"
#include "api/router.h"
#include "core/clock.h"

namespace conveyor::api {

inline constexpr size_t kMaxReceipts = 10'000;
// Receipts are kept up to this many bytes in total (bodies and headers), oldest dropped first,
// so a flood of 1 MiB bodies cannot grow the process past a few tens of MiB.
inline constexpr size_t kMaxReceiptBytes = 32 << 20;
// One GET answer holds at most this many bytes of receipts (at least one receipt).
inline constexpr size_t kMaxReceiptPageBytes = 4 << 20;

struct WebhookReceipt {
  int64_t seq = 0;  // 1, 2, ... in order of arrival
  TimeMs received_at = 0;
  std::optional<std::string> idempotency_key;
  bool signature_verified = false;  // a secret was set and the signature matched
  std::vector<std::pair<std::string, std::string>> headers;  // the ones of interest, lower-case
  std::string body;                                          // JSON text, as received
};

class WebhookReceipts {
 public:
  explicit WebhookReceipts(size_t capacity = kMaxReceipts, size_t max_bytes = kMaxReceiptBytes)
      : capacity_(capacity), max_bytes_(max_bytes) {}
  // Records `r` unless its key was seen; returns false for a duplicate. Sets r.seq. Drops the
  // oldest receipts while more than `capacity` receipts or `max_bytes` bytes are kept.
  bool Add(WebhookReceipt r);
  // Newest first, at most `limit`, and stops before exceeding `max_bytes` (but returns at least
  // one receipt when there is one).
  std::vector<WebhookReceipt> Newest(size_t limit, size_t max_bytes = kMaxReceiptPageBytes) const;
  size_t size() const;
  size_t bytes() const;
  void Clear();

 private:
  void DropOldest();  // REQUIRES: mu_ held, receipts_ not empty

  const size_t capacity_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::deque<WebhookReceipt> receipts_;   // REQUIRES: mu_ held; oldest first
  std::unordered_set<std::string> keys_;  // REQUIRES: mu_ held; keys of receipts_
  int64_t next_seq_ = 1;                  // REQUIRES: mu_ held
  size_t bytes_ = 0;                      // REQUIRES: mu_ held; SizeOf() summed over receipts_
};

class WebhookReceiver {
 public:
  // `secret` empty: signatures are not checked (WEBHOOK_SECRET).
  explicit WebhookReceiver(std::string secret = {}) : secret_(std::move(secret)) {}
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  void Receive(RequestContext& ctx);     // POST /webhook-receiver
  void List(RequestContext& ctx) const;  // GET /webhook-receiver

 private:
  const std::string secret_;
  WebhookReceipts receipts_;
};

// The routes answer with the request's server's receiver (RequestContext::webhook_receiver).
void RegisterWebhookReceiverRoutes(Router& router);

}  // namespace conveyor::api
