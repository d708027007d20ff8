// W3C Trace Context (level 1) for jobs: the `traceparent` a client sends at submit, kept on the
// job, and the header each outgoing call of the job carries (a webhook, http.request, a leased
// job's answer to an external worker). Jobs keep the traceparent in version-00 form:
// "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>" (55 bytes). A job submitted without one
// starts a trace of its own, derived from its id and never stored (JobTraceParent): 55 bytes on
// every row, in every index page the row visits, cost the hot path measurably. Every outgoing call
// gets the job's trace-id with a new parent-id (the call is its own span, as the spec asks).
// Random ids come from a thread-local generator seeded from std::random_device, as the UUIDs of
// core/ids.h do. Pure apart from that generator; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace conveyor {

// A traceparent is never this long; longer text is refused unread (future versions may append
// fields, but not without bound).
inline constexpr size_t kMaxTraceParentLength = 512;
// tracestate is a list of at most 32 key=value members; W3C lets a receiver keep 512 bytes.
inline constexpr size_t kMaxTraceStateLength = 512;

// `text` in version-00 form when it is a valid traceparent, else nullopt. Version 00 must be
// exactly 55 bytes; a future version (not 00, not ff) is read by its first four fields, which
// must be followed by the end or by '-'. Hex must be lower-case; an all-zero trace-id or
// parent-id is invalid.
std::optional<std::string> ParseTraceParent(std::string_view text);

// True for a tracestate worth passing on: 1..kMaxTraceStateLength bytes of printable ASCII
// (0x20..0x7e; no control characters). Its list syntax is not checked further.
bool IsValidTraceState(std::string_view text);

// The traceparent of job `job_id`: `stored` (its submitter's) when set, else the trace the job
// started itself: trace-id = the id's 32 hex digits (a UUID without its dashes; a UUIDv7's last
// seven bytes are random, as W3C lets tracing systems assume), parent-id = the last 16 of them,
// flags 01 (sampled, so the services the job calls record their spans). Empty when `stored` is
// unset and the id is not a UUID.
std::string JobTraceParent(const std::optional<std::string>& stored, std::string_view job_id);

// The same trace as `traceparent` (version-00 form) with a new random parent-id: the header of
// one outgoing call. Empty when `traceparent` is not in version-00 form.
std::string ChildTraceParent(std::string_view traceparent);

// The 32 hex characters of a version-00 traceparent; empty when it is not one.
std::string_view TraceIdOf(std::string_view traceparent);

}  // namespace conveyor
