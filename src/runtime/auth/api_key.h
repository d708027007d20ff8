// The text of an API key and what is stored of it. A key reads "cvk_<id>_<secret>": the id (16
// hex digits) finds the row without a scan and is shown in listings; the secret (64 hex
// digits, 256 random bits) is shown once, at creation, and only its SHA-256 is stored. Keys
// are random, not passwords, so one SHA-256 is enough (no slow hash needed: nothing to guess).
// Pure functions except NewApiKeyText (reads the OpenSSL random generator); thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace conveyor::auth {

struct ApiKeyText {
  std::string id;
  std::string secret;
  std::string text;  // "cvk_<id>_<secret>"
};

// A fresh random key; nullopt only when the system's random generator fails.
std::optional<ApiKeyText> NewApiKeyText();

struct ParsedKey {
  std::string_view id;
  std::string_view secret;
};
// Splits a presented key; nullopt when it does not have the shape of one.
std::optional<ParsedKey> ParseApiKeyText(std::string_view text);

// Lower-case hex SHA-256 of the secret.
std::string HashSecret(std::string_view secret);
// Equal-length comparison whose time does not depend on where the texts differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace conveyor::auth
