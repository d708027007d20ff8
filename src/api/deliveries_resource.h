// Deliveries resource: a job's webhook deliveries (docs/api.md, "Webhooks").
//   GET  /jobs/{id}/deliveries                   every delivery with its attempt log
//   POST /jobs/{id}/deliveries/{n}/redeliver     202 and the new delivery (same url, event, body)
// Unknown job or delivery: 404 problem+json. Each handler parses, calls DeliveryService once and
// serialises. Stateless; the handlers are safe on any io thread.
#pragma once

#include <string>
#include <vector>

#include "api/router.h"
#include "store/store.h"

namespace conveyor::api {

void RegisterDeliveryRoutes(Router& router);

// The wire form of one delivery, and of the GET list; exposed for tests.
std::string DeliveryToJson(const WebhookDelivery& d);
void AppendDeliveryListJson(const std::string& job_id, const std::vector<WebhookDelivery>& list,
                            std::string* out);

}  // namespace conveyor::api
