// The backend-agnostic rules of job dependencies (depends_on; docs/scheduling.md)
// that both stores share: how a submitted batch's dependencies resolve (against replayed
// idempotent originals and against each other), which batches are refused (self-dependency,
// too many, a cycle, an unknown id), what state each new job starts in, and the reason a
// dependent is cancelled with. The statements that apply them are in store_dependencies.h.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/job.h"
#include "core/status.h"

namespace conveyor {

// A job that reached a terminal state in this transaction, whose dependents must follow.
struct FinishedJob {
  int64_t seq = 0;
  std::string id;
  JobState state = JobState::kSucceeded;
};

// One edge of the graph: job `job_seq` waits on job `depends_on_seq`.
struct DependencyEdge {
  int64_t job_seq = 0;
  int64_t depends_on_seq = 0;
};

// A stored job a submitted job depends on, as the insert's transaction read it.
struct DependencyTarget {
  int64_t seq = 0;
  std::string id;
  JobState state = JobState::kPending;
  std::string tenant;
};

// What the insert knows of a job that a submitted job names in depends_on (stored, or earlier
// in the batch).
struct DependencyInfo {
  JobState state = JobState::kPending;
  std::string tenant;
};

// Whether `job` may depend on a job of `tenant`: a job with a tenant only on its own tenant's
// jobs (another's reads as unknown, so a tenant cannot learn that it exists); a job without one
// on any job.
inline bool MayDependOn(const Job& job, const std::string& tenant) {
  return job.tenant.empty() || job.tenant == tenant;
}

// The event message of BLOCKED → PENDING | SCHEDULED.
inline constexpr std::string_view kDependenciesSucceeded = "dependencies succeeded";

// "dependency <id> failed" | "... was cancelled" | "... expired": why a dependent was cancelled.
std::string DependencyFailure(const std::string& id, JobState state);

// Whether any job of the batch names a dependency (the rest of this file is then needed).
bool HasDependencies(const std::vector<const Job*>& jobs);

// The dependency side of a batch about to be inserted: the jobs in an order where every job comes
// after the batch jobs it depends on, and the ids outside the batch the store must look up.
struct BatchDependencies {
  std::vector<size_t> order;
  std::vector<std::string> external_ids;  // sorted, no repeats
};

// Rewrites every depends_on of `jobs` through `replayed` (the id a batch job was given → its
// idempotent original's id: a dependency on a replayed item is one on the stored original),
// drops repeats, and refuses (InvalidArgument naming depends_on) a job depending on itself, more
// than kMaxDependencies ids, or a cycle among the batch's jobs. `where[i]` is jobs[i]'s index in
// the request, for messages ("jobs[3].depends_on ..."); `batch` whether to name it.
Result<BatchDependencies> ResolveBatchDependencies(
    std::vector<Job>& jobs, const std::vector<size_t>& where, bool batch,
    const std::unordered_map<std::string, std::string>& replayed);

// Sets each job's starting state, in `order`: CANCELLED (finished_at now, error naming the
// dependency) when a dependency is FAILED, CANCELLED or EXPIRED; else BLOCKED when one has not
// SUCCEEDED; else as it was. InvalidArgument naming depends_on and the id when a dependency is
// neither in the batch nor in `stored`, or is a job the job may not depend on (MayDependOn):
// the same words, so the two cannot be told apart.
Status ApplyDependencyStates(std::vector<Job>& jobs, const BatchDependencies& deps,
                             const std::vector<size_t>& where, bool batch,
                             const std::unordered_map<std::string, DependencyInfo>& stored,
                             TimeMs now);

// How many BLOCKED jobs this process has released so far (monotonic; a wake-up hint, like every
// in-memory structure). A worker pool compares it around a completion to learn whether the
// completion made jobs claimable, instead of claiming again after every completion. Counted
// inside the releasing transaction, so a rolled-back release over-counts (a spurious wake-up).
uint64_t DependentsReleased();
void NoteDependentReleased();

// [[job id, dependency id], ...] for every edge of `jobs`: the rows of job_dependencies.
std::string EncodeDependencyEdges(const std::vector<Job>& jobs);
// [3,5,8]: the seqs of `jobs`.
std::string EncodeFinishedSeqs(const std::vector<FinishedJob>& jobs);

}  // namespace conveyor
