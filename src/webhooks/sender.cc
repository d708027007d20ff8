#include "webhooks/sender.h"

#include <utility>

namespace conveyor {

WebhookSender::WebhookSender(WebhookSenderOptions options)
    : ConcurrentHttpSender(
          ConcurrentHttpSenderOptions{.policy = std::move(options.policy),
                                      .max_in_flight = options.max_in_flight,
                                      .max_host_connections = options.max_host_connections,
                                      .name = "webhook sender"}) {}

}  // namespace conveyor
