// Submit request normalisation: turns a POST /jobs (or /jobs/batch) body and its headers into
// JobSpecs. Four body shapes are accepted (docs/api.md): the canonical {type, payload, ...} and
// the seeds' {task, params}, {operation, data} and {doc_id, payload, webhook_url}. Here only the
// JSON is judged: the body's shape and each known field's type; a wrong one yields a 422 naming
// the field, in the words of the field's rule (SubmitRule). Every rule on the values themselves
// (ranges, names, lengths, the webhook URL, the type and its payload, how many jobs) is
// runtime/submit_validator.h's, applied by JobService. The shape (or an explicit dialect) picks the
// job's dialect, and a dialect whose priorities count up has them mirrored into the store's
// order. Unknown fields are ignored. Pure; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "core/dialect.h"
#include "runtime/job_spec.h"

namespace conveyor::api {

// What of the request besides its body takes part in a submission: headers (empty means absent)
// and the dialect choices.
struct SubmitHeaders {
  std::string_view idempotency_key;  // Idempotency-Key
  std::string_view correlation_id;   // X-Correlation-Id as sent by the client (never generated)
  // The dialect the request named (Conveyor-Dialect or ?dialect=), resolved for the route; without
  // one the body's shape decides: {operation, data} → success, {task, params} → queued,
  // {doc_id, payload} → succeeded, {type, payload} → default_dialect (core/dialect.h).
  std::optional<Dialect> dialect;
  Dialect default_dialect = Dialect::kSucceeded;
  bool under_api_prefix = false;  // seed 001 (/api/v1) or seed 004 (no prefix) for `success`
  // The request's W3C trace, already validated (TraceOfRequest): every job it submits joins it;
  // empty: each job has a trace of its own.
  std::string_view traceparent;
  std::string_view tracestate;
};

// The W3C trace a submit request's jobs join (core/trace_context.h), from its traceparent and
// tracestate headers (`count` traceparent headers were sent). A missing, repeated or invalid
// traceparent is ignored, as the spec asks of a receiver, and each job starts a trace of its own
// (JobTraceParent); a tracestate is kept only with a valid traceparent and only when
// IsValidTraceState.
struct RequestTrace {
  std::string traceparent;  // version-00 form; empty: none (or none valid) was sent
  std::string tracestate;   // empty: none
};
RequestTrace TraceOfRequest(std::string_view traceparent, size_t count,
                            std::string_view tracestate);

// True for application/json, with or without parameters such as charset.
bool IsJsonContentType(std::string_view content_type);

// POST /jobs: appends exactly one spec. 400 when the body is not JSON, 422 for a bad field.
// `warnings` gets what was set aside: a body idempotency_key that differs from the
// Idempotency-Key header (the header's key is used, as in the IETF draft).
// Specs come out in a vector because JobService takes one, and because payloads must be
// move-constructed (not assigned) to keep the parse's memory resource without a deep copy.
std::optional<ApiError> ParseSubmitBody(std::string_view body, const SubmitHeaders& headers,
                                        std::vector<JobSpec>* out,
                                        std::vector<std::string>* warnings = nullptr);

// POST /jobs/batch: {"jobs": [spec, ...]} or a bare array of specs (JobService takes 1..1000);
// errors are prefixed with the index ("jobs[3].tags must be ..."), and each spec is marked as a
// batch item so that the validator's are too. The Idempotency-Key header does not apply to a
// batch (one key cannot name many jobs); each spec may carry its own idempotency_key.
std::optional<ApiError> ParseBatchBody(std::string_view body, const SubmitHeaders& headers,
                                       std::vector<JobSpec>* out);

// One spec from a parsed object, appended to `out`; `prefix` ("" or "jobs[3].") starts every
// error message. Moves the payload out of `object`.
std::optional<ApiError> NormalizeSpec(boost::json::object& object, const SubmitHeaders& headers,
                                      std::string_view prefix, std::vector<JobSpec>* out,
                                      std::vector<std::string>* warnings = nullptr);

}  // namespace conveyor::api
