#include "handlers/csv_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace conveyor {

CsvWriter::CsvWriter(std::FILE* file, std::string path, char delimiter)
    : file_(file), path_(std::move(path)), delimiter_(delimiter), buffer_(1 << 20) {
  std::setvbuf(file_, buffer_.data(), _IOFBF, buffer_.size());
}

CsvWriter::~CsvWriter() {
  if (file_ != nullptr) std::fclose(file_);  // only after a failure; Close() reports errors
}

Result<std::unique_ptr<CsvWriter>> CsvWriter::Create(const std::string& path, char delimiter) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return Status::Unavailable("cannot create " + path + ": " + std::strerror(errno));
  return std::make_unique<CsvWriter>(f, path, delimiter);
}

void CsvWriter::WriteField(std::string_view f) {
  const char specials[] = {delimiter_, '"', '\r', '\n', '\0'};
  if (f.find_first_of(specials) == std::string_view::npos) {
    fwrite_unlocked(f.data(), 1, f.size(), file_);
    return;
  }
  putc_unlocked('"', file_);
  for (char c : f) {
    if (c == '"') putc_unlocked('"', file_);
    putc_unlocked(c, file_);
  }
  putc_unlocked('"', file_);
}

void CsvWriter::Write(const std::vector<std::string_view>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) putc_unlocked(delimiter_, file_);
    WriteField(fields[i]);
  }
  // A record of one empty field would read back as an empty line, which readers skip.
  if (fields.size() == 1 && fields[0].empty()) fwrite_unlocked("\"\"", 1, 2, file_);
  putc_unlocked('\n', file_);
}

Status CsvWriter::Close() {
  std::FILE* f = std::exchange(file_, nullptr);
  const bool ok = !std::ferror(f) && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (ok && closed) return Status::Ok();
  return Status::Unavailable("cannot write " + path_ + ": " + std::strerror(err));
}

}  // namespace conveyor
