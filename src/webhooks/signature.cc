#include "webhooks/signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace conveyor {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersionPrefix = "v1,";

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

// EVP_DecodeBlock wants whole 4-character groups and counts '=' padding as zero bytes, so the
// length check and the padding trim are done here.
std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string SigningKey(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) {
    if (auto key = Base64Decode(secret.substr(kSecretPrefix.size()))) return *key;
  }
  return std::string(secret);
}

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// True if any space-separated entry equals expected; every entry is compared so the time spent
// does not depend on which one matched.
bool AnySignatureMatches(std::string_view header, std::string_view expected) {
  bool matched = false;
  while (!header.empty()) {
    size_t space = header.find(' ');
    std::string_view candidate = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
    if (candidate.starts_with(kVersionPrefix)) matched |= ConstantTimeEquals(candidate, expected);
  }
  return matched;
}

}  // namespace

struct WebhookSigner::Keyed {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Keyed() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

// Fetching "HMAC" and SHA-256 fails only without OpenSSL's default provider, where nothing could
// sign at all: abort rather than send unsigned deliveries that claim a secret.
WebhookSigner::WebhookSigner(std::string_view secret) : keyed_(std::make_unique<Keyed>()) {
  const std::string key = SigningKey(secret);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  keyed_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_->ctx = keyed_->mac ? EVP_MAC_CTX_new(keyed_->mac) : nullptr;
  if (keyed_->ctx == nullptr ||
      EVP_MAC_init(keyed_->ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    std::abort();
  }
}

WebhookSigner::~WebhookSigner() = default;

// Over "id.timestamp.body", from a copy of the keyed context (the copy is const on the source).
std::string WebhookSigner::Sign(std::string_view msg_id, std::string_view timestamp,
                                std::string_view body) const {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_->ctx);
  if (ctx == nullptr) std::abort();  // out of memory
  auto update = [ctx](std::string_view part) {
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  };
  update(msg_id);
  update(".");
  update(timestamp);
  update(".");
  update(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  EVP_MAC_final(ctx, mac, &mac_len, sizeof mac);
  EVP_MAC_CTX_free(ctx);
  return std::string(kVersionPrefix) +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

WebhookSignatureHeaders SignWebhook(std::string_view secret, std::string_view msg_id,
                                    int64_t timestamp_s, std::string_view body) {
  std::string timestamp = std::to_string(timestamp_s);
  std::string signature = WebhookSigner(secret).Sign(msg_id, timestamp, body);
  return {std::string(msg_id), std::move(timestamp), std::move(signature)};
}

bool VerifyWebhook(std::string_view secret, const WebhookSignatureHeaders& headers,
                   std::string_view body, int64_t now_s, int64_t tolerance_s) {
  std::optional<int64_t> ts = ParseTimestamp(headers.timestamp);
  if (!ts || *ts < now_s - tolerance_s || *ts > now_s + tolerance_s) return false;
  std::string expected = WebhookSigner(secret).Sign(headers.id, headers.timestamp, body);
  return AnySignatureMatches(headers.signature, expected);
}

Status CheckWebhookSecret(std::string_view secret) {
  if (secret.empty()) return Status::InvalidArgument("webhook secret must not be empty");
  if (secret.starts_with(kSecretPrefix) && !Base64Decode(secret.substr(kSecretPrefix.size()))) {
    return Status::InvalidArgument(
        "webhook secret starts with 'whsec_' but the rest is not valid base64");
  }
  return Status::Ok();
}

}  // namespace conveyor
