#include "runtime/auth/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <vector>

#include "core/ids.h"

namespace conveyor::auth {
namespace {

constexpr int kLogN = 15;  // N = 32768, r = 8: 32 MiB, tens of ms on one core
constexpr int kR = 8;
constexpr int kP = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr uint64_t kMaxMem = 1ull << 30;  // OpenSSL's own cap defaults below log2 N 20, r 8

std::optional<std::vector<unsigned char>> Unhex(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned value = 0;
    const char* first = text.data() + 2 * i;
    const auto [end, ec] = std::from_chars(first, first + 2, value, 16);
    if (ec != std::errc() || end != first + 2) return std::nullopt;
    out[i] = static_cast<unsigned char>(value);
  }
  return out;
}

struct Parsed {
  int log_n = 0, r = 0, p = 0;
  std::vector<unsigned char> salt, hash;
};

std::optional<Parsed> Parse(std::string_view encoded) {
  std::vector<std::string_view> parts;
  while (parts.size() < 7) {
    const size_t dollar = encoded.find('$');
    parts.push_back(encoded.substr(0, dollar));
    if (dollar == std::string_view::npos) break;
    encoded.remove_prefix(dollar + 1);
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return std::nullopt;
  Parsed out;
  for (auto [text, value] : {std::pair{parts[1], &out.log_n}, std::pair{parts[2], &out.r},
                             std::pair{parts[3], &out.p}}) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  }
  if (out.log_n < 14 || out.log_n > 20 || out.r != 8 || out.p < 1 || out.p > 4) return std::nullopt;
  auto salt = Unhex(parts[4]);
  auto hash = Unhex(parts[5]);
  if (!salt || !hash || salt->size() < 8 || hash->size() != kHashBytes) return std::nullopt;
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

bool Derive(std::string_view password, const std::vector<unsigned char>& salt, int log_n, int r,
            int p, unsigned char* out) {
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(),
                        uint64_t{1} << log_n, static_cast<uint64_t>(r), static_cast<uint64_t>(p),
                        kMaxMem, out, kHashBytes) == 1;
}

}  // namespace

std::optional<std::string> HashPassword(std::string_view password) {
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) return std::nullopt;
  unsigned char hash[kHashBytes];
  if (!Derive(password, salt, kLogN, kR, kP, hash)) return std::nullopt;
  return "scrypt$" + std::to_string(kLogN) + "$" + std::to_string(kR) + "$" + std::to_string(kP) +
         "$" + LowerHex(salt.data(), salt.size()) + "$" + LowerHex(hash, kHashBytes);
}

bool IsPasswordHash(std::string_view encoded) { return Parse(encoded).has_value(); }

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  const std::optional<Parsed> parsed = Parse(encoded);
  if (!parsed) return false;
  unsigned char hash[kHashBytes];
  if (!Derive(password, parsed->salt, parsed->log_n, parsed->r, parsed->p, hash)) return false;
  return CRYPTO_memcmp(hash, parsed->hash.data(), kHashBytes) == 0;
}

}  // namespace conveyor::auth
