#include "core/trace_context.h"

#include <random>

namespace conveyor {
namespace {

constexpr size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr size_t kTraceIdAt = 3;
constexpr size_t kTraceIdLength = 32;
constexpr size_t kParentIdAt = 36;
constexpr size_t kParentIdLength = 16;
constexpr size_t kFlagsAt = 53;
constexpr char kHex[] = "0123456789abcdef";

bool IsLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

// Random lower-case hex, never all zero (the spec's invalid value).
void AppendRandomHex(std::string& out, size_t nibbles) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (;;) {
    const size_t start = out.size();
    for (size_t done = 0; done < nibbles; done += 16) {
      const uint64_t v = rng();
      for (size_t i = 0; i < 16 && done + i < nibbles; ++i)
        out.push_back(kHex[(v >> (4 * i)) & 0xF]);
    }
    if (!IsAllZero(std::string_view(out).substr(start))) return;
    out.resize(start);
  }
}

// "00-" + trace_id + "-" + a new parent-id + "-" + flags.
std::string WithNewParent(std::string_view trace_id, std::string_view flags) {
  std::string out;
  out.reserve(kVersion00Length);
  out.append("00-").append(trace_id).push_back('-');
  AppendRandomHex(out, kParentIdLength);
  out.append("-").append(flags);
  return out;
}

}  // namespace

std::optional<std::string> ParseTraceParent(std::string_view text) {
  if (text.size() < kVersion00Length || text.size() > kMaxTraceParentLength) return std::nullopt;
  const std::string_view version = text.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && text.size() != kVersion00Length) return std::nullopt;
  if (text.size() > kVersion00Length && text[kVersion00Length] != '-') return std::nullopt;
  if (text[2] != '-' || text[kParentIdAt - 1] != '-' || text[kFlagsAt - 1] != '-') {
    return std::nullopt;
  }
  const std::string_view trace_id = text.substr(kTraceIdAt, kTraceIdLength);
  const std::string_view parent_id = text.substr(kParentIdAt, kParentIdLength);
  const std::string_view flags = text.substr(kFlagsAt, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags)) return std::nullopt;
  if (IsAllZero(trace_id) || IsAllZero(parent_id)) return std::nullopt;
  std::string out("00-");
  out.append(text.substr(kTraceIdAt, kVersion00Length - kTraceIdAt));
  return out;
}

bool IsValidTraceState(std::string_view text) {
  if (text.empty() || text.size() > kMaxTraceStateLength) return false;
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string JobTraceParent(const std::optional<std::string>& stored, std::string_view job_id) {
  if (stored) return *stored;
  std::string out;
  out.reserve(kVersion00Length);
  out.append("00-");
  for (const char c : job_id) {
    if (c != '-') out.push_back(c);
  }
  const std::string_view trace_id = std::string_view(out).substr(kTraceIdAt);
  if (trace_id.size() != kTraceIdLength || !IsLowerHex(trace_id) || IsAllZero(trace_id)) return {};
  const std::string parent(trace_id.substr(kTraceIdLength - kParentIdLength));
  if (IsAllZero(parent)) return {};
  out.append("-").append(parent).append("-01");
  return out;
}

std::string ChildTraceParent(std::string_view traceparent) {
  const std::string_view trace_id = TraceIdOf(traceparent);
  if (trace_id.empty()) return {};
  return WithNewParent(trace_id, traceparent.substr(kFlagsAt, 2));
}

std::string_view TraceIdOf(std::string_view traceparent) {
  if (traceparent.size() != kVersion00Length || !traceparent.starts_with("00-")) return {};
  return traceparent.substr(kTraceIdAt, kTraceIdLength);
}

}  // namespace conveyor
