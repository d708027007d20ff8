// Minimal JSON shared by the SQLite and PostgreSQL stores: both keep tags and depends_on as JSON
// arrays of strings and pass id/key lists as JSON arrays (json_each() / jsonb functions). The
// store layer does not link a JSON library (core and store stay dependency-light), so this is
// the small subset it needs.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_escape.h"

namespace conveyor {

// Appends `s` as a quoted JSON string in the store's form: every control character as \u00xx,
// every other byte as is (core/json_escape.h): the bytes the tags and depends_on columns have
// always held.
inline void AppendJsonString(std::string& out, std::string_view s) {
  AppendJsonString(out, s, JsonShortEscapes::kNone);
}
// ["a","b"]; "[]" for an empty list.
std::string EncodeJsonStringArray(const std::vector<std::string>& items);
// Parses a JSON array of strings (any JSON escapes, \uXXXX with surrogate pairs). nullopt when
// the text is not such an array.
std::optional<std::vector<std::string>> DecodeJsonStringArray(std::string_view text);

}  // namespace conveyor
