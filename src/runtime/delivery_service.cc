#include "runtime/delivery_service.h"

#include "runtime/job_id.h"

namespace conveyor {

Result<std::vector<WebhookDelivery>> DeliveryService::Deliveries(const std::string& job_id) {
  if (Status s = CheckJobId(job_id); !s.ok()) return s;
  return store_.DeliveryList(job_id);
}

Result<WebhookDelivery> DeliveryService::Redeliver(const std::string& job_id, int n) {
  if (Status s = CheckJobId(job_id); !s.ok()) return s;
  return store_.DeliveryRedeliver({.job_id = job_id, .n = n, .now = clock_.NowMs()});
}

}  // namespace conveyor
