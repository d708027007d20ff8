#include "runtime/auth/sessions.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

#include "core/ids.h"
#include "runtime/auth/api_key.h"

namespace conveyor::auth {

SessionSigner::SessionSigner(std::string secret) : secret_(std::move(secret)) {}

std::optional<SessionSigner> SessionSigner::Random() {
  std::string secret(kMinSessionSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1)
    return std::nullopt;
  return SessionSigner(std::move(secret));
}

// HMAC-SHA256 over "<domain>:<text>" as lower-case hex: sessions and CSRF tokens are signed in
// separate domains, so one can never stand for the other.
std::string SessionSigner::Mac(std::string_view domain, std::string_view text) const {
  std::string message(domain);
  message.append(":").append(text);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &n);
  return LowerHex(digest, n);
}

std::string SessionSigner::Issue(std::string_view subject, TimeMs expires_at) const {
  std::string body(subject);
  body.append(".").append(std::to_string(expires_at));
  return body + "." + Mac("session", body);
}

std::optional<Session> SessionSigner::Verify(std::string_view token, TimeMs now) const {
  const size_t mac_dot = token.rfind('.');
  if (mac_dot == std::string_view::npos || token.size() > 512) return std::nullopt;
  const std::string_view body = token.substr(0, mac_dot);
  if (!ConstantTimeEquals(token.substr(mac_dot + 1), Mac("session", body))) return std::nullopt;
  const size_t time_dot = body.rfind('.');
  if (time_dot == std::string_view::npos) return std::nullopt;
  const std::string_view expires = body.substr(time_dot + 1);
  TimeMs expires_at = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), expires_at);
  if (ec != std::errc() || end != expires.data() + expires.size() || expires_at <= now) {
    return std::nullopt;
  }
  return Session{.subject = std::string(body.substr(0, time_dot)), .expires_at = expires_at};
}

std::string SessionSigner::CsrfToken(std::string_view token) const { return Mac("csrf", token); }

}  // namespace conveyor::auth
