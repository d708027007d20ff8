// The JSON body of a webhook delivery (docs/api.md, "Webhooks"): the Standard Webhooks envelope
// {"type", "timestamp", "data"} around the job's outcome, with the API's RFC 3339 times.
// Built once, at a delivery's first attempt; the store keeps the bytes so every retry and every
// redelivery sends exactly the same body. Pure function; thread-safe.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/job.h"
#include "store/store.h"

namespace conveyor {

// `now` is the event's "timestamp". The status comes from the delivery's event
// ("job.failed" → "FAILED"), so it says what happened even if the job was retried since.
std::string WebhookEventJson(const WebhookDelivery& delivery, const Job& job, TimeMs now);

}  // namespace conveyor
