#include "handlers/csv/csv_writer.h"

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

void CsvWriter::Write(const std::vector<std::string_view>& fields) {
  line_.clear();
  AppendCsvRecord(&line_, fields, delimiter_);
  fwrite_unlocked(line_.data(), 1, line_.size(), file_);
}

Status CsvWriter::Close() {
  std::FILE* f = std::exchange(file_, nullptr);
  const bool ok = !std::ferror(f) && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (ok && closed) return Status::Ok();
  return Status::Unavailable("cannot write " + path_ + ": " + std::strerror(err));
}

void AppendCsvRecord(std::string* out, const std::vector<std::string_view>& fields,
                     char delimiter) {
  const char specials[] = {delimiter, '"', '\r', '\n', '\0'};
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(delimiter);
    const std::string_view f = fields[i];
    if (f.find_first_of(specials) == std::string_view::npos) {
      out->append(f);
      continue;
    }
    out->push_back('"');
    for (char c : f) {
      if (c == '"') out->push_back('"');
      out->push_back(c);
    }
    out->push_back('"');
  }
  // A record of one empty field would read back as an empty line, which readers skip.
  if (fields.size() == 1 && fields[0].empty()) out->append("\"\"");
  out->push_back('\n');
}

}  // namespace conveyor
