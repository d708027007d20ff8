// What one webhook attempt's result means for its delivery, and when the next attempt is due.
//
//   2xx                                delivered
//   408, 429, 5xx, timeout, no connection, broken connection
//                                      retried: after Retry-After when the receiver sent one
//                                      (seconds or an HTTP-date, capped), else after
//                                      base^attempt seconds with jitter, capped
//   410 Gone                           failed at once: the receiver asked for no more
//   any other status (3xx, 4xx)        failed at once (redirects are not followed)
//   URL refused by the policy          failed at once, with the policy's sentence
//   retryable, but 1 + max_retries attempts made
//                                      failed ("gave up after N attempts: ...")
//
// The backoff is its own formula (base^attempt, as WEBHOOK_RETRY_BACKOFF_BASE documents), not
// core's RetryPolicy (base * 2^(attempt-1)): operators set webhook retries in those terms.
// Pure functions (the jitter draws from a thread-local generator); thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "store/store.h"
#include "webhooks/sender.h"

namespace conveyor {

struct WebhookRetryConfig {
  int max_retries = 5;          // WEBHOOK_MAX_RETRIES: attempts after the first
  double backoff_base_s = 2.0;  // WEBHOOK_RETRY_BACKOFF_BASE; fractions allowed
  double backoff_cap_s = 3600;  // WEBHOOK_RETRY_BACKOFF_CAP: no wait longer, Retry-After included
};

// Delay after the failed attempt number `attempt` (1-based): uniform in [d/2, d] with
// d = min(cap, base^attempt) seconds, and at least 10 ms.
TimeMs WebhookBackoffMs(const WebhookRetryConfig& config, int attempt);

// A Retry-After value as a delay from `now`: delta-seconds, or an IMF-fixdate HTTP-date
// ("Wed, 21 Oct 2026 07:28:00 GMT"). nullopt when unparsable; a date in the past gives 0.
std::optional<TimeMs> ParseRetryAfter(std::string_view value, TimeMs now);

// The verdict on attempt number `attempt` (1-based) that ended with `result` at `now`: outcome,
// status code, error sentence, duration and (for kRetry) next_attempt_at. job_id, n and payload
// are left for the caller.
DeliveryRecordParams JudgeWebhookAttempt(const WebhookSendResult& result, int attempt, TimeMs now,
                                         const WebhookRetryConfig& config);

}  // namespace conveyor
