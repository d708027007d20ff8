// Standard Webhooks signing (https://www.standardwebhooks.com): the three headers a receiver uses
// to check that a delivery came from us, was not altered, and is not a replay.
//
//   webhook-id:        the message id, stable across retries of one delivery
//   webhook-timestamp: Unix seconds when this attempt was signed
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// The secret is either "whsec_<base64>" (the key is the decoded bytes, as the spec's libraries do)
// or any other string, whose bytes are the key. Pure functions; safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace conveyor {

struct WebhookSignatureHeaders {
  std::string id;         // value of the webhook-id header
  std::string timestamp;  // value of the webhook-timestamp header
  std::string signature;  // value of the webhook-signature header
};

// Signs one delivery attempt. A "whsec_" secret whose tail is not valid base64 is used as raw
// bytes (whole string); call CheckWebhookSecret when the secret is accepted to refuse it early.
WebhookSignatureHeaders SignWebhook(std::string_view secret, std::string_view msg_id,
                                    int64_t timestamp_s, std::string_view body);

// SignWebhook's signature for many attempts under one secret: the key is decoded, the HMAC
// algorithm looked up and the key hashed once, not per attempt (a third of a signature's cost
// in OpenSSL's one-shot HMAC). Sign() is const and may be called from many threads at once.
class WebhookSigner {
 public:
  explicit WebhookSigner(std::string_view secret);
  ~WebhookSigner();
  WebhookSigner(const WebhookSigner&) = delete;
  WebhookSigner& operator=(const WebhookSigner&) = delete;

  // The webhook-signature header's value: "v1,<base64 HMAC-SHA256>".
  std::string Sign(std::string_view msg_id, std::string_view timestamp,
                   std::string_view body) const;

 private:
  struct Keyed;  // OpenSSL's keyed MAC context, copied for every signature
  std::unique_ptr<Keyed> keyed_;
};

// True if any of the space-separated "v1,<base64>" signatures matches (constant-time compare)
// and the timestamp is within tolerance_s of now_s in either direction.
bool VerifyWebhook(std::string_view secret, const WebhookSignatureHeaders& headers,
                   std::string_view body, int64_t now_s, int64_t tolerance_s = 300);

// InvalidArgument if the secret is empty or is "whsec_" followed by something not base64.
Status CheckWebhookSecret(std::string_view secret);

}  // namespace conveyor
