// Submit request normalisation: turns a POST /jobs (or /jobs/batch) body and its headers into
// JobSpecs. Four body shapes are accepted (docs/api.md): the canonical {type, payload, ...} and
// the seeds' {task, params}, {operation, data} and {doc_id, payload, webhook_url}. Here only the
// JSON is judged: the body's shape and each known field's type; a wrong one yields a 422 naming
// the field, in the words of the field's rule (SubmitRule). Every rule on the values themselves
// (ranges, names, lengths, the webhook URL, the type and its payload, how many jobs) is
// runtime/submit_validator.h's, applied by JobService. Unknown fields are ignored (seed clients
// send extras such as "plan"). Pure; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "runtime/job_spec.h"

namespace conveyor::api {

// The request headers that take part in a submission; empty means absent.
struct SubmitHeaders {
  std::string_view idempotency_key;  // Idempotency-Key
  std::string_view correlation_id;   // X-Correlation-Id as sent by the client (never generated)
};

// True for application/json, with or without parameters such as charset.
bool IsJsonContentType(std::string_view content_type);

// POST /jobs: appends exactly one spec. 400 when the body is not JSON, 422 for a bad field.
// Specs come out in a vector because JobService takes one, and because payloads must be
// move-constructed (not assigned) to keep the parse's memory resource without a deep copy.
std::optional<ApiError> ParseSubmitBody(std::string_view body, const SubmitHeaders& headers,
                                        std::vector<JobSpec>* out);

// POST /jobs/batch: {"jobs": [spec, ...]} or a bare array of specs (JobService takes 1..1000);
// errors are prefixed with the index ("jobs[3].tags must be ..."), and each spec is marked as a
// batch item so that the validator's are too. The Idempotency-Key header does not apply to a
// batch (one key cannot name many jobs); each spec may carry its own idempotency_key.
std::optional<ApiError> ParseBatchBody(std::string_view body, const SubmitHeaders& headers,
                                       std::vector<JobSpec>* out);

// One spec from a parsed object, appended to `out`; `prefix` ("" or "jobs[3].") starts every
// error message. Moves the payload out of `object`.
std::optional<ApiError> NormalizeSpec(boost::json::object& object, const SubmitHeaders& headers,
                                      std::string_view prefix, std::vector<JobSpec>* out);

}  // namespace conveyor::api
