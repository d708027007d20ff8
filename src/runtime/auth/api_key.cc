#include "runtime/auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/ids.h"

namespace conveyor::auth {
namespace {

constexpr std::string_view kPrefix = "cvk_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;

// Fetched once: OpenSSL 3 looks the digest up by name on every EVP_sha256() use otherwise, which
// costs more than hashing a 64-byte secret (every authenticated request hashes one).
const EVP_MD* Sha256() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<ApiKeyText> NewApiKeyText() {
  unsigned char raw[kIdBytes + kSecretBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) return std::nullopt;
  ApiKeyText key{.id = LowerHex(raw, kIdBytes), .secret = LowerHex(raw + kIdBytes, kSecretBytes)};
  key.text = std::string(kPrefix) + key.id + "_" + key.secret;
  OPENSSL_cleanse(raw, sizeof raw);
  return key;
}

std::optional<ParsedKey> ParseApiKeyText(std::string_view text) {
  if (text.size() != kPrefix.size() + 2 * kIdBytes + 1 + 2 * kSecretBytes ||
      !text.starts_with(kPrefix)) {
    return std::nullopt;
  }
  text.remove_prefix(kPrefix.size());
  const std::string_view id = text.substr(0, 2 * kIdBytes);
  if (text[2 * kIdBytes] != '_') return std::nullopt;
  const std::string_view secret = text.substr(2 * kIdBytes + 1);
  if (!IsLowerHex(id) || !IsLowerHex(secret)) return std::nullopt;
  return ParsedKey{id, secret};
}

std::string HashSecret(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest, &n, Sha256(), nullptr) != 1) {
    return std::string();  // matches no stored hash: the key is refused
  }
  return LowerHex(digest, n);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace conveyor::auth
