// Submit validation: every rule a submission must keep before it becomes a job, and every message
// that names a broken one. The rules: how many jobs one request may hold; type and queue names;
// the type served (runtime/type_catalog.h: a handler, an alias, a declared command or external
// type, or one an external worker asked for) and the payload as its handler judges it; priority,
// max_attempts and timeout_s ranges; expires_at against now and run_at; idempotency key and
// correlation id lengths; the webhook URL's syntax, scheme and the address rules every node
// applies; tags and depends_on.
//
// The API (api/submit_request.cc) only turns JSON into JobSpecs. When a field has the wrong JSON
// type it states the field's rule in the words SubmitRule gives, so a client reads the same
// sentence whichever way it broke a field. Every number in a message comes from the limits in
// runtime/job_spec.h and core/job.h.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "runtime/job_spec.h"

namespace conveyor {

class TypeCatalog;

// The fields whose rule the API states when their JSON type is wrong.
enum class SubmitField {
  kQueue,
  kPriority,
  kMaxAttempts,
  kTimeoutS,
  kIdempotencyKey,  // and doc_id, which becomes the key
  kCorrelationId,
  kWebhookUrl,
  kTags,
  kTag,  // one item of tags
  kDependsOn,
  kDependency,  // one item of depends_on
  kDelay,
};

// The rule as the end of a sentence after the field's name: "must be an integer from 1 to 10".
std::string SubmitRule(SubmitField field);

// InvalidArgument unless one request holds 1 to kMaxBatchJobs specs.
Status ValidateSubmitCount(size_t count);

// What starts every message about specs[index]: "jobs[3]." for an item of a batch (more than one
// spec, or one sent to POST /jobs/batch), else "".
std::string SubmitErrorPrefix(const std::vector<JobSpec>& specs, size_t index);

// OK, or InvalidArgument whose message starts with `prefix` ("" or "jobs[3].") and names the
// field, e.g. "jobs[3].priority must be between 1 and 10 (got 11)". `now` bounds expires_at.
Status ValidateSubmitSpec(const JobSpec& spec, const TypeCatalog& types, TimeMs now,
                          std::string_view prefix);

}  // namespace conveyor
