// JSON string literals: the one escaper behind the API's responses, the log lines, the store's
// JSON columns and the canonical JSON that document.pipeline hashes. Every form escapes '"' as \"
// and '\' as \\ and writes every byte from 0x20 up as is: DEL (0x7F), UTF-8 multi-byte sequences
// and invalid UTF-8 alike (no \u escapes for non-ASCII, no validation). The forms differ only in
// which control characters (U+0000..U+001F) get a two-character escape; the others are written
// \u00xx with lower-case hex.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace conveyor {

enum class JsonShortEscapes {
  kNone,              // every control character as \u00xx: the store's columns and id lists
  kNewlineReturnTab,  // \n \r \t: API responses and log lines
  kAll,               // \b \t \n \f \r, as Python's json.dumps writes them: canonical JSON
};

// Appends `text` to `out` as a quoted JSON string. Bytes that need no escape are copied in runs
// (found eight at a time): this is on the path of every job the API writes.
void AppendJsonString(std::string& out, std::string_view text, JsonShortEscapes short_escapes);

}  // namespace conveyor
