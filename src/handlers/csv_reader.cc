#include "handlers/csv_reader.h"

#include <cstring>
#include <stdexcept>

namespace conveyor {
namespace {

// Keeps every space: trimming is a fix the job decides on, not the parser.
int NoSpace(unsigned char) { return 0; }

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(RecordFn on_record, char delimiter) : on_record_(std::move(on_record)) {
  if (csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) != 0)
    throw std::runtime_error("csv_init failed");
  csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
  csv_set_space_func(&parser_, NoSpace);
}

CsvReader::~CsvReader() { csv_free(&parser_); }

void CsvReader::OnField(void* data, size_t len, void* self) {
  auto* r = static_cast<CsvReader*>(self);
  if (r->ends_.size() >= kMaxCsvFields) {
    r->too_many_fields_ = true;
    return;
  }
  // libcsv passes NULL for an empty field at the end of the input.
  if (len > 0) r->fields_.append(static_cast<const char*>(data), len);
  r->fields_.push_back('\0');
  r->ends_.push_back(r->fields_.size() - 1);
}

void CsvReader::OnRecordEnd(int /*terminator*/, void* self) {
  auto* r = static_cast<CsvReader*>(self);
  ++r->records_;
  if (!r->stopped_ && !r->too_many_fields_) {
    r->views_.clear();
    size_t start = 0;
    for (size_t end : r->ends_) {
      r->views_.emplace_back(r->fields_.data() + start, end - start);
      start = end + 1;
    }
    if (!r->on_record_(r->records_, r->views_)) r->stopped_ = true;
  }
  r->fields_.clear();
  r->ends_.clear();
}

Status CsvReader::ParseError(uint64_t at, const std::string& why) const {
  return Status::InvalidArgument("malformed CSV at byte " + std::to_string(at) + " (record " +
                                 std::to_string(records_ + 1) + "): " + why);
}

Status CsvReader::Feed(std::string_view chunk) {
  // Chunks are large; a mark split across the first two chunks is not worth handling.
  if (bytes_ == 0 && chunk.starts_with(kUtf8Bom)) {
    chunk.remove_prefix(kUtf8Bom.size());
    bytes_ += kUtf8Bom.size();
  }
  const size_t parsed = csv_parse(&parser_, chunk.data(), chunk.size(), OnField, OnRecordEnd, this);
  const uint64_t at = bytes_ + parsed;
  bytes_ += chunk.size();
  if (parsed != chunk.size()) return ParseError(at, csv_strerror(csv_error(&parser_)));
  if (too_many_fields_) {
    return ParseError(at, "a record has more than " + std::to_string(kMaxCsvFields) + " fields");
  }
  if (csv_get_buffer_size(&parser_) > kMaxCsvFieldBytes) {
    return ParseError(at, "a field is longer than " + std::to_string(kMaxCsvFieldBytes >> 20) +
                              " MiB (an unclosed quote?)");
  }
  return stopped_ ? Status::Cancelled("stopped by the record callback") : Status::Ok();
}

Status CsvReader::Finish() {
  if (csv_fini(&parser_, OnField, OnRecordEnd, this) != 0)
    return ParseError(bytes_, "the file ends inside a quoted field");
  if (too_many_fields_) {
    return ParseError(bytes_, "a record has more than " + std::to_string(kMaxCsvFields) + " fields");
  }
  return stopped_ ? Status::Cancelled("stopped by the record callback") : Status::Ok();
}

}  // namespace conveyor
