// CsvWriter: writes records as RFC 4180 CSV to a file, quoting a field only when it holds the
// delimiter, a quote, CR or LF (quotes doubled); records end in LF, as most tools write them.
// Buffered (1 MiB); Close() flushes, fsyncs and reports write errors.
// Thread-safety: none; one writer per file.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

class CsvWriter {
 public:
  CsvWriter(std::FILE* file, std::string path, char delimiter);
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // Unavailable when the file cannot be created (a full or read-only disk may recover).
  static Result<std::unique_ptr<CsvWriter>> Create(const std::string& path, char delimiter);

  void Write(const std::vector<std::string_view>& fields);
  Status Close();

 private:
  std::FILE* file_;
  std::string path_;
  char delimiter_;
  std::vector<char> buffer_;
  std::string line_;  // reused for every record
};

// Appends one record, formatted as CsvWriter writes it (LF included), to `out`.
void AppendCsvRecord(std::string* out, const std::vector<std::string_view>& fields,
                     char delimiter = ',');

}  // namespace conveyor
