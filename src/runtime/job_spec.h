// JobSpec: what a client asks for, before Conveyor fills in ids, defaults and state. The API
// normalises every accepted body shape into one of these. Plain value type.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job.h"

namespace conveyor {

inline constexpr size_t kMaxNameLength = 128;          // type and queue names
inline constexpr size_t kMaxIdempotencyKeyLength = 255;
inline constexpr size_t kMaxCorrelationIdLength = 255;
inline constexpr size_t kMaxTags = 32;
inline constexpr size_t kMaxTagLength = 128;
inline constexpr size_t kMaxWebhookUrlLength = 2048;
inline constexpr int kMinMaxAttempts = 1;
inline constexpr int kMaxMaxAttempts = 100;
inline constexpr int kMinTimeoutS = 1;
inline constexpr int kMaxTimeoutS = 86400;
inline constexpr size_t kMaxBatchJobs = 1000;
inline constexpr int64_t kMaxDelayS = 365 * 24 * 3600;  // delay: at most a year

// Where the client wrote what an error message names, when that is not the field itself, so a
// message names it as the client did. The API fills it in; a spec built in code keeps the
// defaults. Not part of the job.
struct SpecOrigin {
  // Where idempotency_key came from: the field, doc_id, or the Idempotency-Key header.
  enum class Key { kField, kDocId, kHeader };

  bool batch_item = false;  // an item of POST /jobs/batch: messages start "jobs[i]." even alone
  std::string type_field = "type";  // or "task", "operation" (the seeds' shapes)
  Key key = Key::kField;
  // The {doc_id, payload, webhook_url} body: its webhook_url is in the payload (the pipeline
  // delivers to it), not in webhook_url, and is held to the same URL rule.
  bool document_shape = false;
  // The body named a queue or a plan (a tenant's key may only name its plan's queue).
  bool queue_named = false;
};

// Optional fields fall back to the server's defaults (RuntimeConfig).
struct JobSpec {
  std::string type;
  std::string queue = kDefaultQueue;
  boost::json::value payload = boost::json::object();
  int priority = kDefaultPriority;
  std::optional<int> max_attempts;
  std::optional<TimeMs> run_at;
  // Seconds from now (Celery's countdown), fractions allowed: run_at = now + delay. Not with
  // run_at (the validator refuses both).
  std::optional<double> delay_s;
  std::optional<TimeMs> expires_at;
  std::optional<int> timeout_s;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> correlation_id;
  // The W3C trace the job joins, validated (core/trace_context.h: version-00 form); unset: a
  // fresh trace of its own. tracestate travels only with a traceparent.
  std::optional<std::string> traceparent;
  std::optional<std::string> tracestate;
  std::optional<std::string> webhook_url;
  std::vector<std::string> tags;
  std::vector<std::string> depends_on;
  Dialect dialect = Dialect::kSucceeded;  // the vocabulary the job is answered in
  // The tenant of the key that submitted it (runtime/auth/tenants.h); set by the API, never read
  // from the body.
  std::string tenant;
  SpecOrigin origin;
};

// When the spec asks the job to run: run_at, or now + delay; nullopt when it asks neither.
inline std::optional<TimeMs> RequestedRunAt(const JobSpec& spec, TimeMs now) {
  if (spec.run_at) return spec.run_at;
  if (spec.delay_s) return now + static_cast<TimeMs>(*spec.delay_s * 1000.0 + 0.5);
  return std::nullopt;
}

}  // namespace conveyor
