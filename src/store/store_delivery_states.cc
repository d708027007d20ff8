#include "store/store_delivery_states.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "store/store_json.h"

namespace conveyor {

DeliveryState ParseDeliveryState(std::string_view s) {
  if (s == "delivered") return DeliveryState::kDelivered;
  if (s == "failed") return DeliveryState::kFailed;
  return DeliveryState::kPending;
}

std::string_view DeliveryStateAfter(DeliveryOutcome o) {
  switch (o) {
    case DeliveryOutcome::kDelivered:
      return "delivered";
    case DeliveryOutcome::kRetry:
      return "pending";
    case DeliveryOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

std::vector<bool> RepeatedDeliveryRecords(const std::vector<DeliveryRecordParams>& records) {
  std::set<std::pair<std::string_view, int>> seen;
  std::vector<bool> repeated(records.size(), false);
  for (size_t i = 0; i < records.size(); ++i) {
    repeated[i] = !seen.emplace(records[i].job_id, records[i].n).second;
  }
  return repeated;
}

namespace {

void AppendOptInt(std::string& json, std::optional<int64_t> v) {
  json += v ? std::to_string(*v) : "null";
}

void AppendRecord(std::string& json, size_t i, const DeliveryRecordParams& p) {
  const bool retry = p.outcome == DeliveryOutcome::kRetry;
  json += json.size() > 1 ? ",[" : "[";
  json += std::to_string(i) + ",";
  AppendJsonString(json, p.job_id);
  json += "," + std::to_string(p.n) + ",";
  AppendJsonString(json, DeliveryStateAfter(p.outcome));
  json += "," + std::to_string(p.now) + ",";
  AppendOptInt(json, retry ? std::optional<int64_t>(p.next_attempt_at) : std::nullopt);
  json += ",";
  if (p.payload) {
    AppendJsonString(json, *p.payload);
  } else {
    json += "null";
  }
  json += ",";
  AppendOptInt(json, p.status_code);
  json += ",";
  AppendJsonString(json, p.error);
  json += ",";
  AppendOptInt(json, p.outcome == DeliveryOutcome::kDelivered ? std::optional<int64_t>(p.now)
                                                               : std::nullopt);
  json += "," + std::to_string(std::max<int64_t>(0, p.duration_ms)) + "]";
}

}  // namespace

std::string EncodeDeliveryRecords(const std::vector<DeliveryRecordParams>& records,
                                  const std::vector<bool>& repeated) {
  std::string json = "[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (!repeated[i]) AppendRecord(json, i, records[i]);
  }
  return json + "]";
}

Status RepeatedDeliveryRecord(const DeliveryRecordParams& p) {
  return Status::InvalidArgument("webhook delivery " + std::to_string(p.n) + " of job " +
                                 p.job_id + " is named twice in one record; one attempt each");
}

Status DeliveryNotPending(const DeliveryRecordParams& p, std::string_view state) {
  return Status::FailedPrecondition("webhook delivery " + std::to_string(p.n) + " of job " +
                                    p.job_id + " is already " + std::string(state) +
                                    "; only pending deliveries take an attempt");
}

bool IsDeliveryRecordAnswer(const Status& s) {
  return s.code() == StatusCode::kNotFound || s.code() == StatusCode::kFailedPrecondition ||
         s.code() == StatusCode::kInvalidArgument;
}

}  // namespace conveyor
