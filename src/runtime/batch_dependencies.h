// Dependencies inside one submitted batch: an item of POST /jobs/batch (or of any multi-job
// submit) may name another item of the same request in depends_on as "$n", the n-th job of the
// batch counting from 0, since the ids of a batch's jobs exist only once Conveyor assigns them.
// The references are turned into those ids after the jobs are built; the store then resolves
// every id inside the inserting transaction (store/store_dependencies.h), refusing unknown ids
// and cycles. The request's fingerprint keeps "$n", so an idempotent replay of the same batch
// matches. Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "runtime/job_spec.h"

namespace conveyor {

// Whether `text` has the form of a batch reference ("$" and 1 to 4 digits).
bool IsBatchReference(std::string_view text);

// Replaces every "$n" in jobs[i].depends_on by jobs[n].id. InvalidArgument naming
// "jobs[i].depends_on[k]" when n is not an item of the batch or is the job itself.
// REQUIRES: jobs[i] was built from specs[i].
Status ResolveBatchReferences(const std::vector<JobSpec>& specs, std::vector<Job>& jobs);

}  // namespace conveyor
