// Fuzzes submit normalisation (api/submit_request.cc) and the validation that follows it
// (runtime/submit_validator.cc with the built-in handlers), in every body shape: the input is a
// POST /jobs body, parsed as one job (without and with Idempotency-Key/X-Correlation-Id headers)
// and as a POST /jobs/batch body. Invariants: no crash or UB; an error is a 400 (not JSON) or a
// 422 with a sentence, never anything else; a single submit yields exactly one spec, a batch any
// number (the validator takes 1..1000); every spec either validates or is refused with
// InvalidArgument, and a valid one has a canonical form (what idempotency compares).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "api/submit_request.h"
#include "core/clock.h"
#include "fuzz_check.h"
#include "handlers/handler_registry.h"
#include "runtime/canonical_request.h"
#include "runtime/submit_validator.h"
#include "runtime/type_catalog.h"

namespace {

using conveyor::api::ErrorKind;

// The built-in types, and no other declared: unknown types exercise the refusal and its
// suggestions.
const conveyor::TypeCatalog& Handlers() {
  static const conveyor::TypeCatalog* types = [] {
    auto* r = new conveyor::HandlerRegistry();
    conveyor::RegisterBuiltinHandlers(*r);
    return new conveyor::TypeCatalog(*r, {});
  }();
  return *types;
}

void CheckSpecs(const std::vector<conveyor::JobSpec>& specs) {
  constexpr conveyor::TimeMs kNow = 1764000000000;  // 2025-11-24, fixed so runs repeat
  const conveyor::Status count = conveyor::ValidateSubmitCount(specs.size());
  FUZZ_CHECK(count.ok() || count.code() == conveyor::StatusCode::kInvalidArgument);
  for (size_t i = 0; i < specs.size(); ++i) {
    const conveyor::JobSpec& spec = specs[i];
    const conveyor::Status s =
        conveyor::ValidateSubmitSpec(spec, Handlers(), kNow, conveyor::SubmitErrorPrefix(specs, i));
    if (!s.ok()) {
      FUZZ_CHECK(s.code() == conveyor::StatusCode::kInvalidArgument);
      FUZZ_CHECK(!s.message().empty());
      continue;
    }
    FUZZ_CHECK(!conveyor::CanonicalJson(spec.payload).empty());
  }
}

void CheckAnswer(const std::optional<conveyor::api::ApiError>& error,
                 const std::vector<conveyor::JobSpec>& specs, size_t min, size_t max) {
  if (error) {
    FUZZ_CHECK(error->kind == ErrorKind::kMalformed || error->kind == ErrorKind::kInvalidField);
    FUZZ_CHECK(!error->detail.empty());
    return;
  }
  FUZZ_CHECK(specs.size() >= min && specs.size() <= max);
  CheckSpecs(specs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const conveyor::api::SubmitHeaders none;
  const conveyor::api::SubmitHeaders keyed{.idempotency_key = "fuzz-key-1",
                                           .correlation_id = "fuzz-corr-1"};
  for (const auto* headers : {&none, &keyed}) {
    std::vector<conveyor::JobSpec> one;
    CheckAnswer(conveyor::api::ParseSubmitBody(body, *headers, &one), one, 1, 1);
  }
  std::vector<conveyor::JobSpec> batch;
  CheckAnswer(conveyor::api::ParseBatchBody(body, none, &batch), batch, 0,
              std::numeric_limits<size_t>::max());
  return 0;
}
