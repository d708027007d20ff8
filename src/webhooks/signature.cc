#include "webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

// Returns "v1,<base64 HMAC-SHA256>" over "id.timestamp.body".
std::string ComputeSignature(std::string_view secret, std::string_view msg_id,
                             std::string_view timestamp, std::string_view body) {
  std::string key = SigningKey(secret);
  std::string content;
  content.reserve(msg_id.size() + timestamp.size() + body.size() + 2);
  content.append(msg_id).append(".").append(timestamp).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len);
  std::string_view raw(reinterpret_cast<const char*>(mac), mac_len);
  return std::string(kVersionPrefix) + Base64Encode(raw);
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

WebhookSignatureHeaders SignWebhook(std::string_view secret, std::string_view msg_id,
                                    int64_t timestamp_s, std::string_view body) {
  std::string timestamp = std::to_string(timestamp_s);
  std::string signature = ComputeSignature(secret, msg_id, timestamp, body);
  return {std::string(msg_id), std::move(timestamp), std::move(signature)};
}

bool VerifyWebhook(std::string_view secret, const WebhookSignatureHeaders& headers,
                   std::string_view body, int64_t now_s, int64_t tolerance_s) {
  std::optional<int64_t> ts = ParseTimestamp(headers.timestamp);
  if (!ts || *ts < now_s - tolerance_s || *ts > now_s + tolerance_s) return false;
  std::string expected = ComputeSignature(secret, headers.id, headers.timestamp, body);
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
