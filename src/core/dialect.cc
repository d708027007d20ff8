#include "core/dialect.h"

#include <algorithm>
#include <cctype>

namespace conveyor {
namespace {

// Status words by JobState: SCHEDULED, PENDING, RUNNING, SUCCEEDED, RETRYING, FAILED, CANCELLED,
// EXPIRED, BLOCKED. A dialect without a word for a state uses the nearest one its clients wait
// for: a waiting job (BLOCKED too) is PENDING, and a job that ended without success is FAILED (its
// error says why), so a loop "until SUCCESS or FAILED" ends.
constexpr std::array<std::string_view, 9> kConveyorWords = {
    "SCHEDULED", "PENDING", "RUNNING", "SUCCEEDED", "RETRYING", "FAILED", "CANCELLED", "EXPIRED",
    "BLOCKED"};
constexpr std::array<std::string_view, 9> kSuccessWords = {
    "PENDING", "PENDING", "IN_PROGRESS", "SUCCESS", "PENDING", "FAILED", "FAILED", "FAILED",
    "PENDING"};
constexpr std::array<std::string_view, 9> kCompletedWords = {
    "PENDING", "PENDING", "PROCESSING", "COMPLETED", "PENDING", "FAILED", "FAILED", "FAILED",
    "PENDING"};
constexpr std::array<std::string_view, 9> kQueuedWords = {
    "queued", "queued", "running", "succeeded", "retrying", "failed", "cancelled", "expired",
    "queued"};

constexpr DialectRules kRules[] = {
    {.name = "succeeded", .stored = "succeeded", .status = kConveyorWords},
    {.name = "success",
     .stored = "success",
     .status = kSuccessWords,
     .type_alias = "operation",
     .result_shape = ResultShape::kNested},
    {.name = "success",
     .stored = "success-plain",
     .status = kSuccessWords,
     .type_alias = "operation",
     .result_shape = ResultShape::kPlainNumber},
    {.name = "completed", .stored = "completed", .status = kCompletedWords, .attempt_aliases = true},
    {.name = "queued",
     .stored = "queued",
     .status = kQueuedWords,
     .type_alias = "task_name",
     .created_status = 202,
     .priority_counts_up = true},
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const DialectRules& RulesOf(Dialect dialect) { return kRules[static_cast<size_t>(dialect)]; }

std::optional<Dialect> ParseDialect(std::string_view name) {
  for (size_t i = 0; i < std::size(kRules); ++i) {
    if (EqualsIgnoringCase(name, kRules[i].name)) return static_cast<Dialect>(i);
  }
  return std::nullopt;
}

Dialect DialectFromStored(std::string_view stored) {
  for (size_t i = 0; i < std::size(kRules); ++i) {
    if (stored == kRules[i].stored) return static_cast<Dialect>(i);
  }
  return Dialect::kSucceeded;
}

Dialect ForRoute(Dialect dialect, bool under_api_prefix) {
  if (dialect != Dialect::kSuccess && dialect != Dialect::kSuccessPlain) return dialect;
  return under_api_prefix ? Dialect::kSuccess : Dialect::kSuccessPlain;
}

std::string_view DialectNames() { return "succeeded, success, completed, queued"; }

}  // namespace conveyor
