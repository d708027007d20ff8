// The rules a JobSpec must satisfy before it becomes a job, and the canonical form of a request
// that idempotency compares. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/job.h"
#include "core/status.h"
#include "runtime/job_spec.h"

namespace conveyor {

class HandlerRegistry;

// InvalidArgument whose message starts with `prefix` ("" or "jobs[3].") and names the field,
// e.g. "jobs[3].priority must be between 1 and 10 (got 11)". `now` bounds expires_at.
Status ValidateJobSpec(const JobSpec& spec, const HandlerRegistry& handlers, TimeMs now,
                       std::string_view prefix);

// Canonical text of the normalised request: object keys sorted, defaults applied, and neither the
// idempotency key nor the correlation id (a replay may carry a new correlation id). Two
// submissions with the same key are the same request exactly when these texts are equal.
std::string CanonicalRequest(const JobSpec& spec, const Job& normalised);

// JSON text with object keys sorted recursively; stable for equal values.
std::string CanonicalJson(const boost::json::value& v);

}  // namespace conveyor
