// ValidUtf8: text for JSON, which must be valid UTF-8 — each byte that does not start a valid
// UTF-8 sequence (binary data, a value cut mid-character, an overlong form, a surrogate) becomes
// U+FFFD. Used wherever handlers put bytes from outside (HTTP bodies, CSV values) into results.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace conveyor {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
size_t Utf8SequenceLength(std::string_view s, size_t i);

std::string ValidUtf8(std::string_view s);

}  // namespace conveyor
