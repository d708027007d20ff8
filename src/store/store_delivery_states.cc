#include "store/store_delivery_states.h"

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

}  // namespace conveyor
