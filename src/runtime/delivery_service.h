// DeliveryService: what the API asks about a job's webhook deliveries — list them with their
// attempt logs, and send one again. The sending itself is the webhook dispatcher's
// (webhooks/dispatcher.h), which picks new pending deliveries up from the store. No HTTP here,
// no SQL.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor {

class DeliveryService {
 public:
  DeliveryService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // The job's webhook deliveries with their attempt logs, by n. InvalidArgument for an id that
  // is not a UUID; NotFound for an unknown job.
  Result<std::vector<WebhookDelivery>> Deliveries(const std::string& job_id);
  // Sends delivery n of the job again, as a new pending delivery (same url, event and body);
  // the webhook dispatcher picks it up on its next look. NotFound for an unknown job or n.
  Result<WebhookDelivery> Redeliver(const std::string& job_id, int n);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace conveyor
