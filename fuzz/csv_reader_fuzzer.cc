// Fuzzes the streaming CSV reader (handlers/csv/csv_reader.cc). The input's first byte picks the
// delimiter and a chunk size; the rest is the file. Invariants: no crash or UB; every field is
// followed by a NUL byte; records are numbered 1, 2, 3...; and feeding the file in chunks gives
// exactly the records and the error (message included) of feeding it at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "handlers/csv/csv_reader.h"

namespace {

struct Outcome {
  std::vector<std::vector<std::string>> records;
  std::string error;  // empty when the file parsed
  uint64_t bytes = 0;
};

Outcome Read(std::string_view file, char delimiter, size_t chunk) {
  Outcome out;
  conveyor::CsvReader reader(
      [&out](uint64_t record, const std::vector<std::string_view>& fields) {
        FUZZ_CHECK(record == out.records.size() + 1);
        auto& copy = out.records.emplace_back();
        for (std::string_view f : fields) {
          FUZZ_CHECK(f.data()[f.size()] == '\0');
          copy.emplace_back(f);
        }
        return true;
      },
      delimiter);
  conveyor::Status s = conveyor::Status::Ok();
  for (size_t pos = 0; pos < file.size() && s.ok(); pos += chunk) {
    s = reader.Feed(file.substr(pos, chunk));
  }
  if (s.ok()) s = reader.Finish();
  if (!s.ok()) out.error = s.ToString();
  FUZZ_CHECK(reader.records() == out.records.size());
  out.bytes = reader.bytes();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  const char delimiter = kDelimiters[data[0] & 3];
  // 3..66 bytes: a UTF-8 byte-order mark split across the first chunks is documented as not
  // recognised (real chunks are 64 KiB), so chunks are never shorter than one.
  const size_t chunk = 3 + (data[0] >> 2);
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = Read(file, delimiter, file.size() + 1);
  const Outcome pieces = Read(file, delimiter, chunk);
  FUZZ_CHECK(whole.records == pieces.records);
  FUZZ_CHECK(whole.error == pieces.error);
  if (whole.error.empty()) FUZZ_CHECK(whole.bytes == file.size() && pieces.bytes == file.size());
  return 0;
}
