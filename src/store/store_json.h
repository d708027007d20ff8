// Minimal JSON for the SQLite store: the store keeps tags and depends_on as JSON arrays of
// strings and binds id/key lists as JSON arrays for json_each(). The store layer does not link a
// JSON library (core and store stay dependency-light), so this is the small subset it needs.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conveyor {

// Appends `s` as a quoted JSON string (escaping quotes, backslashes and control characters).
void AppendJsonString(std::string& out, std::string_view s);
// ["a","b"]; "[]" for an empty list.
std::string EncodeJsonStringArray(const std::vector<std::string>& items);
// Parses a JSON array of strings (any JSON escapes, \uXXXX with surrogate pairs). nullopt when
// the text is not such an array.
std::optional<std::vector<std::string>> DecodeJsonStringArray(std::string_view text);

}  // namespace conveyor
