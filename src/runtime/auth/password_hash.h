// Password hashes for the dashboard's user login (docs/security.md, "Dashboard login"): scrypt
// from OpenSSL, in the text form "scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>" that
// `conveyor hash-password` prints and --admin-password-hash(-file) takes. Unlike API keys (256
// random bits, one SHA-256 is enough), passwords can be guessed, so each check costs about
// 32 MiB and tens of milliseconds: callers keep it off I/O threads and bound how often it runs.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace conveyor::auth {

// A new hash of `password` with a random salt; nullopt when the random generator or scrypt
// fails.
std::optional<std::string> HashPassword(std::string_view password);

// Whether `encoded` has the shape HashPassword makes, with parameters this build accepts (log2 N
// 14..20, r 8, p 1..4): checked at start, so a typo fails the start, not every login.
bool IsPasswordHash(std::string_view encoded);

// Whether `password` matches `encoded` (constant-time compare of the derived key).
bool VerifyPassword(std::string_view password, std::string_view encoded);

}  // namespace conveyor::auth
