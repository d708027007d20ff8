// Fuzzes the list query (api/list_request.cc: percent-decoding, status aliases, limit, offset
// and the cursor, a job id checked by core/ids IsValidUuid) with raw query strings, and
// IsValidUuid on the raw bytes. Invariants: no crash or UB; an accepted query has a limit in
// 1..1000, a non-negative offset and a cursor that is a 36-character UUID; an error is a 400 or
// 422 with a sentence.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/list_request.h"
#include "core/ids.h"
#include "fuzz_check.h"

namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void CheckUuid(std::string_view text) {
  if (!conveyor::IsValidUuid(text)) return;
  FUZZ_CHECK(text.size() == 36);
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    FUZZ_CHECK(dash ? text[i] == '-' : IsHex(text[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckUuid(text);
  conveyor::JobListParams params;
  const auto error = conveyor::api::ParseListQuery(text, &params);
  if (error) {
    FUZZ_CHECK(error->kind == conveyor::api::ErrorKind::kMalformed ||
               error->kind == conveyor::api::ErrorKind::kInvalidField);
    FUZZ_CHECK(!error->detail.empty());
    return 0;
  }
  FUZZ_CHECK(params.limit >= 1 && params.limit <= conveyor::api::kMaxListLimit);
  FUZZ_CHECK(params.offset >= 0);
  if (params.cursor) FUZZ_CHECK(conveyor::IsValidUuid(*params.cursor));
  return 0;
}
