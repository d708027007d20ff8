// JsonWriter: appends JSON to a caller-owned string without building a DOM, so a job is
// serialised once, straight into the response body. Keys and commas are tracked per nesting
// level; the caller keeps begin/end balanced. Not thread-safe; one writer per string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json_escape.h"

namespace conveyor::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  // A whole value as an integer (0, 100), anything else in its shortest round-trip form (65.5);
  // NaN and infinities, which JSON cannot write, as null.
  JsonWriter& Number(double v);
  // Always with a fraction (3.0, 2.5): for values a client reads as a float. Non-finite: null.
  JsonWriter& Float(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // `json` must already be valid JSON text (see IsValidJson).
  JsonWriter& Raw(std::string_view json);
  JsonWriter& Time(TimeMs t);  // RFC 3339 UTC with milliseconds

  JsonWriter& OptString(const std::optional<std::string>& s) { return s ? String(*s) : Null(); }
  JsonWriter& OptTime(const std::optional<TimeMs>& t) { return t ? Time(*t) : Null(); }
  // JSON text kept by the store; emitted as a value when valid, as a string otherwise, so a
  // damaged row can never make the response invalid JSON.
  JsonWriter& OptJsonText(const std::optional<std::string>& json) {
    return json ? JsonText(*json) : Null();
  }
  JsonWriter& JsonText(std::string_view json);

 private:
  void Separate();

  std::string* out_;
  bool need_comma_ = false;
};

// Appends `s` as a quoted JSON string in the API's form: \n \r \t, other control characters as
// \u00xx, every other byte as is (core/json_escape.h).
inline void AppendJsonString(std::string* out, std::string_view s) {
  conveyor::AppendJsonString(*out, s, JsonShortEscapes::kNewlineReturnTab);
}

// Appends t as FormatRfc3339 does ("2026-11-22T05:57:12.123Z"), without allocating.
void AppendRfc3339(std::string* out, TimeMs t);

// True when `text` is exactly one JSON value. Validates without building a DOM.
bool IsValidJson(std::string_view text);

}  // namespace conveyor::api
