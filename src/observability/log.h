// Structured logging: one JSON object per line on stderr. Every line has ts, level, node (once
// SetNode was called), event; callers add fields such as job_id and correlation_id. String values
// pass through RedactSecrets (core/secret_redaction.h); numbers are written as JSON numbers.
//
// Lines are written by one background thread: the caller formats its line into a pending
// buffer, which the thread writes every 50 ms in one write() (at once for a warn or error line).
// The buffer is bounded and a full one blocks the caller, so no line is dropped. A process killed
// with SIGKILL loses up to 50 ms of lines; Shutdown() (or a normal exit) writes them.
//
// Thread-safety: every function may be called from any thread. Lines below the level (SetLevel;
// info by default) are dropped before they are built: check Enabled() before building costly ones.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace conveyor::log {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn" (or "warning"), "error"; nullopt otherwise.
std::optional<Level> ParseLevel(std::string_view name);

// One field of a line: a string (redacted when written) or a number.
class Field {
 public:
  Field(std::string_view key, std::string_view text) : key_(key), text_(text) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Field(std::string_view key, T number) : key_(key), kind_(Kind::kInt), int_(number) {}
  Field(std::string_view key, double number) : key_(key), kind_(Kind::kDouble), double_(number) {}

 private:
  friend class Line;
  enum class Kind : uint8_t { kText, kInt, kDouble };
  std::string_view key_;
  Kind kind_ = Kind::kText;
  std::string_view text_;
  int64_t int_ = 0;
  double double_ = 0;
};

// One line built field by field, for callers whose fields vary (job transitions, the access
// log): one string, appended to in place.
class Line {
 public:
  explicit Line(std::string_view event, size_t reserve = 256);
  Line& Str(std::string_view key, std::string_view value);  // redacted
  Line& Int(std::string_view key, int64_t value);
  Line& Number(std::string_view key, double value);  // non-finite values as null
  // A duration in seconds to the microsecond ("0.000125"): a tenth of Number's cost, which
  // matters on the lines every job transition writes. Non-finite values as null.
  Line& Seconds(std::string_view key, double seconds);
  Line& Add(const Field& field);
  // The fields as JSON members, without the braces (the logger adds ts, level and node).
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Sets the level and starts the background writer (later lines start it too, at info).
void Init(Level level);
void SetLevel(Level level);
bool Enabled(Level level);
// The node's name, written as "node" on every line from now on.
void SetNode(std::string_view node);

void Write(Level level, const Line& line);
void Debug(std::string_view event, std::initializer_list<Field> fields = {});
void Info(std::string_view event, std::initializer_list<Field> fields = {});
void Warn(std::string_view event, std::initializer_list<Field> fields = {});
void Error(std::string_view event, std::initializer_list<Field> fields = {});

// Returns once every line logged before the call is written (or after 5 s: a stderr nobody
// reads must not hang the caller).
void Flush();
// Flush(), then every later line is written by the caller itself, at once. Called by serve and
// worker before they exit; a normal exit does it too.
void Shutdown();

// Test seam: every line, as written (without its newline), goes to `sink` instead of stderr, on
// the caller's thread; an empty function restores stderr.
void TEST_SetLineSink(std::function<void(std::string_view line)> sink);

}  // namespace conveyor::log
