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
inline constexpr size_t kMaxDependencies = 100;
inline constexpr size_t kMaxWebhookUrlLength = 2048;
inline constexpr int kMaxMaxAttempts = 100;
inline constexpr int kMaxTimeoutS = 86400;
inline constexpr size_t kMaxBatchJobs = 1000;

// Optional fields fall back to the server's defaults (RuntimeConfig).
struct JobSpec {
  std::string type;
  std::string queue = kDefaultQueue;
  boost::json::value payload = boost::json::object();
  int priority = kDefaultPriority;
  std::optional<int> max_attempts;
  std::optional<TimeMs> run_at;
  std::optional<TimeMs> expires_at;
  std::optional<int> timeout_s;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> correlation_id;
  std::optional<std::string> webhook_url;
  std::vector<std::string> tags;
  std::vector<std::string> depends_on;
};

}  // namespace conveyor
