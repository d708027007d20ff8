// WebhookSender: the ConcurrentHttpSender (outbound/concurrent_http_sender.h) that carries the
// WebhookDispatcher's attempts. Sending itself — many in flight on one thread, keep-alive, the
// URL policy checked again at connect time, per-request timeouts, the lifecycle and the
// thread-safety contract — is the ConcurrentHttpSender's and documented there. What is webhook's
// here: the options the dispatcher sets, messages that name the webhook sender ("webhook sender
// stopped"), and WebhookSendResult, the input of JudgeWebhookAttempt (retry_schedule.h). The
// signed request itself is built by the dispatcher.
#pragma once

#include "outbound/concurrent_http_sender.h"
#include "outbound/url_policy.h"

namespace conveyor {

struct WebhookSenderOptions {
  UrlPolicy policy;
  int max_in_flight = 256;  // attempts at once; the rest wait in the queue
  // Connections to one receiver host at most (0: no limit but max_in_flight). Keeps a slow
  // receiver from taking every connection.
  int max_host_connections = 0;
};

using WebhookSendResult = HttpSendResult;

class WebhookSender : public ConcurrentHttpSender {
 public:
  explicit WebhookSender(WebhookSenderOptions options);
};

}  // namespace conveyor
