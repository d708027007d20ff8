// document.pipeline: the seed's three-step document job — validate → transform → deliver — with
// the step recorded on the job (current_step) as it goes.
//
// Payload: {"doc_id": "1..255 chars", "payload": <any JSON value but null>,
//           "webhook_url": "http(s)://…" (optional)}. The seed's body {doc_id, payload,
//           webhook_url} is normalised into exactly this payload (api/submit_request.cc), with
//           doc_id as the idempotency key and the job's own webhook_url left empty: the deliver
//           step is this job's notification, so the generic terminal-state webhook does not send
//           a second one.
// Result:  {"original_data": <payload.payload>, "processed_at": "<RFC 3339 UTC, ms>",
//           "data_hash": "<hex SHA-256 of CanonicalJsonText(payload.payload)>"}
//           (processed_at is the time of the attempt that produced the result).
// Deliver: POST webhook_url with {"event": "document.processed", "job_id", "doc_id", "result"}
//          and the headers Content-Type: application/json, Idempotency-Key: <job id> and
//          webhook-id: <job id> (the same on every attempt, so a receiver can drop repeats), plus
//          webhook-timestamp / webhook-signature (Standard Webhooks) when a secret is set.
//          2xx → the job succeeds. 408, 429, 5xx, timeouts and connection errors → a retryable
//          error: the job goes RETRYING (current_step "deliver") and tries again after the
//          runtime's backoff, until max_attempts → FAILED. 3xx, other 4xx and URL-policy refusals
//          → FAILED at once. No webhook_url: the deliver step has nothing to do.
//
// Stateless apart from the options fixed at construction: thread-safe.
#pragma once

#include <string>
#include <utility>

#include "core/clock.h"
#include "handlers/handler.h"
#include "outbound/url_policy.h"

namespace conveyor {

inline constexpr std::string_view kDocumentPipelineType = "document.pipeline";

// Set from WEBHOOK_SECRET, WEBHOOK_TIMEOUT_SECONDS and WEBHOOK_MAX_RETRIES by `conveyor serve`.
struct DocumentPipelineOptions {
  std::string webhook_secret;  // empty: deliveries are not signed
  int delivery_timeout_ms = 30000;
  int max_retries = 5;  // max_attempts defaults to 1 + max_retries
  UrlPolicy policy{.allow_private = true};
  const Clock* clock = nullptr;  // processed_at and webhook-timestamp; null: the system clock
};

class DocumentPipelineHandler final : public Handler {
 public:
  explicit DocumentPipelineHandler(DocumentPipelineOptions options = {})
      : options_(std::move(options)) {}

  std::string_view type() const override { return kDocumentPipelineType; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;
  int DefaultMaxAttempts() const override { return 1 + options_.max_retries; }

 private:
  TimeMs NowMs() const;
  Status Deliver(JobContext& ctx, const std::string& url, const std::string& body) const;

  DocumentPipelineOptions options_;
};

}  // namespace conveyor
