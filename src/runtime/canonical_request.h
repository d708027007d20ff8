// The canonical form of a submit request, which idempotency compares: two submissions with the
// same key are the same request exactly when their canonical texts are equal. Pure functions;
// thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "core/job.h"
#include "runtime/job_spec.h"

namespace conveyor {

// Canonical text of the normalised request: object keys sorted, defaults applied, and neither the
// idempotency key nor the correlation id (a replay may carry a new correlation id). A document
// submission ({doc_id, payload}) is its doc_id alone: resubmitting one returns the existing job.
std::string CanonicalRequest(const JobSpec& spec, const Job& normalised);

// JSON text with object keys sorted recursively; stable for equal values.
std::string CanonicalJson(const boost::json::value& v);

}  // namespace conveyor
