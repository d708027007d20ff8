// Identifiers: UUIDv7 job ids (time-ordered, so the primary index grows at its right edge), lease
// tokens, and a stable 64-bit fingerprint for idempotency checks. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace conveyor {

// A UUIDv7 whose 48-bit prefix is `now`; ids made in one process are strictly increasing
// (a 12-bit counter fills rand_a within a millisecond).
std::string NewUuidV7(TimeMs now);
// 8-4-4-4-12 lower- or upper-case hex.
bool IsValidUuid(std::string_view text);
// 128 random bits as 32 hex characters.
std::string NewToken();
// `n` bytes as 2n lower-case hex characters.
std::string LowerHex(const unsigned char* data, size_t n);
// FNV-1a 64, printed as 16 hex characters. Stable across builds and machines.
std::string Fingerprint(std::string_view data);

}  // namespace conveyor
