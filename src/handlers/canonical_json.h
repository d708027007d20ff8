// Canonical JSON and its SHA-256: the bytes document.pipeline hashes into data_hash, defined so a
// client can recompute them with one line of Python:
//
//   json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
//
// Precisely:
//   - no whitespace anywhere; members separated by ',', key and value by ':';
//   - object members sorted by key, comparing the keys' UTF-8 bytes (= Unicode code point order);
//   - strings: UTF-8 as is (no \u escapes for non-ASCII); '"' → \", '\' → \\, and the control
//     characters U+0000..U+001F as \b \t \n \f \r or \u00xx (lower-case hex); nothing else
//     (not '/', not U+007F) is escaped;
//   - integers (what Boost.JSON reads as int64/uint64) in plain decimal;
//   - other numbers as Python's repr(float): the shortest digits that read back to the same double,
//     fixed notation with at least one digit after the point ("1.0", "0.0001", "-0.0") when the
//     decimal exponent is in [-4, 16), else d.ddde±XX with at least two exponent digits ("1e+16",
//     "1.5e-05");
//   - true, false, null.
// Known limit: integers beyond 64 bits are read as doubles by the JSON parser, so they hash as
// their double (Python keeps them exact).
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace conveyor {

std::string CanonicalJsonText(const boost::json::value& value);

// Lower-case hex of SHA-256(bytes): 64 characters.
std::string Sha256Hex(std::string_view bytes);

}  // namespace conveyor
