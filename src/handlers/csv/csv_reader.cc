#include "handlers/csv/csv_reader.h"

#include <cstring>

namespace conveyor {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsLineBreak(char c) { return c == '\n' || c == '\r'; }

std::string TooLong() {
  return "a field is longer than " + std::to_string(kMaxCsvFieldBytes >> 20) +
         " MiB (an unclosed quote?)";
}

}  // namespace

CsvReader::CsvReader(RecordFn on_record, char delimiter)
    : on_record_(std::move(on_record)), delimiter_(delimiter) {
  for (char c : {delimiter, '"', '\r', '\n'}) special_[static_cast<unsigned char>(c)] = true;
  fields_.reserve(4096);
  ends_.reserve(64);
  views_.reserve(64);
}

Status CsvReader::ParseError(uint64_t at, const std::string& why) const {
  return Status::InvalidArgument("malformed CSV at byte " + std::to_string(at) + " (record " +
                                 std::to_string(records_ + 1) + "): " + why);
}

const char* CsvReader::RowStart(const char* p, const char* end) {
  while (p < end && IsLineBreak(*p)) ++p;  // empty lines, and the LF of a CRLF
  if (p < end) state_ = State::kFieldStart;
  return p;
}

const char* CsvReader::Unquoted(const char* p, const char* end, Status* error) {
  const char* q = p;
  while (q < end && !special_[static_cast<unsigned char>(*q)]) ++q;
  fields_.append(p, static_cast<size_t>(q - p));
  if (fields_.size() - field_start_ > kMaxCsvFieldBytes) {
    *error = ParseError(Offset(q), TooLong());
    return nullptr;
  }
  if (q == end) return end;
  if (*q == '"') {
    *error = ParseError(Offset(q), "a quote inside an unquoted field (quote the whole field and "
                                   "double the quotes inside it)");
    return nullptr;
  }
  return EndFieldAt(q, error) ? q + 1 : nullptr;
}

const char* CsvReader::Quoted(const char* p, const char* end) {
  const void* quote = std::memchr(p, '"', static_cast<size_t>(end - p));
  const char* q = quote != nullptr ? static_cast<const char*>(quote) : end;
  fields_.append(p, static_cast<size_t>(q - p));
  if (q == end) return end;
  state_ = State::kQuoteInQuoted;
  return q + 1;
}

const char* CsvReader::QuoteInQuoted(const char* p, Status* error) {
  if (*p == '"') {  // "" inside quotes
    fields_.push_back('"');
    state_ = State::kQuoted;
    return p + 1;
  }
  if (*p != delimiter_ && !IsLineBreak(*p)) {
    *error = ParseError(Offset(p), "text after a closing quote (double a quote inside a quoted "
                                   "field)");
    return nullptr;
  }
  return EndFieldAt(p, error) ? p + 1 : nullptr;
}

bool CsvReader::EndFieldAt(const char* p, Status* error) {
  if (!EndField(error, Offset(p))) return false;
  if (*p == delimiter_) {
    state_ = State::kFieldStart;
  } else {
    EndRecord();
    state_ = State::kRowStart;
  }
  return true;
}

bool CsvReader::EndField(Status* error, uint64_t at) {
  if (ends_.size() >= kMaxCsvFields) {
    *error = ParseError(at, "a record has more than " + std::to_string(kMaxCsvFields) + " fields");
    return false;
  }
  fields_.push_back('\0');
  ends_.push_back(fields_.size() - 1);
  field_start_ = fields_.size();
  return true;
}

void CsvReader::EndRecord() {
  ++records_;
  if (!stopped_) {
    views_.clear();
    size_t start = 0;
    for (size_t end : ends_) {
      views_.emplace_back(fields_.data() + start, end - start);
      start = end + 1;
    }
    if (!on_record_(records_, views_)) stopped_ = true;
  }
  fields_.clear();
  ends_.clear();
  field_start_ = 0;
}

Status CsvReader::Feed(std::string_view chunk) {
  // Chunks are large; a mark split across the first two chunks is not worth handling.
  if (bytes_ == 0 && chunk.starts_with(kUtf8Bom)) {
    chunk.remove_prefix(kUtf8Bom.size());
    bytes_ += kUtf8Bom.size();
  }
  chunk_ = chunk.data();
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  Status error = Status::Ok();
  while (p != nullptr && p < end && !stopped_) {
    switch (state_) {
      case State::kRowStart:
        p = RowStart(p, end);
        break;
      case State::kFieldStart:
        if (*p == '"') {
          state_ = State::kQuoted;
          ++p;
        } else {
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        p = Unquoted(p, end, &error);
        break;
      case State::kQuoted:
        p = Quoted(p, end);
        if (fields_.size() - field_start_ > kMaxCsvFieldBytes) {
          error = ParseError(Offset(p), TooLong());
          p = nullptr;
        }
        break;
      case State::kQuoteInQuoted:
        p = QuoteInQuoted(p, &error);
        break;
    }
  }
  bytes_ += chunk.size();
  if (!error.ok()) return error;
  return stopped_ ? Status::Cancelled("stopped by the record callback") : Status::Ok();
}

Status CsvReader::Finish() {
  if (state_ == State::kQuoted) return ParseError(bytes_, "the file ends inside a quoted field");
  if (state_ != State::kRowStart) {
    Status error = Status::Ok();
    if (!EndField(&error, bytes_)) return error;
    EndRecord();
    state_ = State::kRowStart;
  }
  return stopped_ ? Status::Cancelled("stopped by the record callback") : Status::Ok();
}

}  // namespace conveyor
