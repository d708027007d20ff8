// CsvReader: a streaming RFC 4180 reader: bytes go in by chunks of any size, whole records come
// out through a callback, so memory stays at one record whatever the file's size.
//
// Dialect: delimiter ',' (or another byte), '"' quotes, "" inside quotes is a quote, CR, LF or
// CRLF ends a record, line breaks may sit inside quotes, empty lines are skipped, a UTF-8
// byte-order mark at the start is dropped, spaces are kept as they are (the fixer decides).
// Strict: a quote in the middle of an unquoted field, text after a closing quote, or an
// unterminated quote at the end is a parse error, reported with its byte offset. Limits, so a
// broken file cannot exhaust memory: one field at most kMaxCsvFieldBytes, one record at most
// kMaxCsvFields fields.
//
// Hand-written rather than libcsv (which it replaced; same dialect and strictness): runs of plain
// bytes are found with a lookup table and copied at once instead of one byte per call.
//
// Each field handed to the callback is followed by a NUL byte (field.data()[field.size()] ==
// '\0'), for C APIs such as regexec. The views are valid during the callback only.
// Thread-safety: none; one reader per stream.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

inline constexpr size_t kMaxCsvFieldBytes = 8 << 20;
inline constexpr size_t kMaxCsvFields = 4096;

class CsvReader {
 public:
  // Called once per record with its 1-based number (the header is record 1). Returning false
  // stops the reader: Feed/Finish then return Cancelled.
  using RecordFn = std::function<bool(uint64_t record, const std::vector<std::string_view>&)>;

  explicit CsvReader(RecordFn on_record, char delimiter = ',');
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // InvalidArgument "malformed CSV at byte N (record R): ..." on a parse error or a limit.
  Status Feed(std::string_view chunk);
  // Flushes the last record (a file need not end with a line break).
  Status Finish();

  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }

 private:
  enum class State { kRowStart, kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  // Each returns the position after what it consumed, or nullptr after a parse error (*error).
  const char* RowStart(const char* p, const char* end);
  const char* Unquoted(const char* p, const char* end, Status* error);
  const char* Quoted(const char* p, const char* end);
  const char* QuoteInQuoted(const char* p, Status* error);
  // A delimiter or line break at *p ends the field (and the record on a line break).
  bool EndFieldAt(const char* p, Status* error);
  bool EndField(Status* error, uint64_t at);
  void EndRecord();
  uint64_t Offset(const char* p) const { return bytes_ + static_cast<uint64_t>(p - chunk_); }
  Status ParseError(uint64_t at, const std::string& why) const;

  RecordFn on_record_;
  const char delimiter_;
  std::array<bool, 256> special_{};  // delimiter, '"', '\r', '\n'
  State state_ = State::kRowStart;
  const char* chunk_ = nullptr;  // the chunk being fed, for offsets
  std::string fields_;           // the current record's fields, each followed by '\0'
  size_t field_start_ = 0;       // where the current field starts in fields_
  std::vector<size_t> ends_;     // end offset of each field in fields_
  std::vector<std::string_view> views_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace conveyor
