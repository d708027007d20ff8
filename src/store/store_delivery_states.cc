#include "store/store_delivery_states.h"

#include <set>
#include <utility>

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
