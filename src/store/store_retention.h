// Retention: which finished jobs the store deletes (Store::JobPrune), the rules both backends
// share. A call looks at one terminal state's jobs in seq order (the jobs_state (state, seq)
// index, no index of its own), at most `limit` of them, and deletes those old enough; the job's
// events, webhook deliveries and their attempts, and its dependency edges go with it (ON DELETE
// CASCADE on both schemas). The walk stops at the first job created after the youngest cutoff:
// seq follows created_at and finished_at >= created_at, so no later job can be due yet. Jobs
// created before that but finished recently (long runs, late retries) are stepped over, which
// is why the walk carries a cursor from call to call.
//
// What is kept although old enough:
// - a job still holding its idempotency key (store.h JobInsertManyParams::key_window_ms) until
//   created_at + key_window_ms; for ever when keys are held for ever (key_window_ms 0). Pruning
//   it sooner would let its key be taken over before the window allows.
// Dependencies need no rule: a job that finishes settles its BLOCKED dependents in its own
// transaction (store_dependencies.h), and the release test ("no dependency left that has not
// SUCCEEDED") reads the same without a SUCCEEDED dependency's edge. A later submit naming a
// pruned job in depends_on is refused as an unknown id.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/status.h"

namespace conveyor {

// One call of Store::JobPrune.
struct JobPruneParams {
  JobState state = JobState::kSucceeded;  // SUCCEEDED | FAILED | CANCELLED | EXPIRED
  TimeMs now = 0;
  // A job of `state` is deleted once finished_at <= now - age_ms; 0: kept for ever.
  TimeMs age_ms = 0;
  // Per queue, the age that replaces age_ms for the queue's jobs of `state` (0: for ever).
  std::map<std::string, TimeMs> queue_age_ms;
  // How long a job holds its idempotency key (JobInsertManyParams::key_window_ms; 0: for ever).
  TimeMs key_window_ms = 0;
  int64_t after_seq = 0;  // looks at jobs with seq > after_seq: JobPruneOutcome::next_after_seq
  int limit = 1000;       // jobs looked at (so deleted) in one call, 1..kMaxPruneLimit
};

inline constexpr int kMaxPruneLimit = 10000;

struct PrunedJob {
  std::string id;
  TimeMs finished_at = 0;
};

struct JobPruneOutcome {
  std::vector<PrunedJob> pruned;  // in seq order
  // The after_seq of the next call when more of this state may be due; nullopt when the walk
  // reached a job too young (or the end): nothing further is due before time passes.
  std::optional<int64_t> next_after_seq;
};

// What a backend reads of each job the walk looks at.
struct PruneCandidate {
  int64_t seq = 0;
  std::string id;
  std::string queue;
  TimeMs created_at = 0;
  TimeMs finished_at = 0;
  bool holds_key = false;  // its idempotency key is still its own (not released)
};

struct PruneChoice {
  std::vector<size_t> chosen;  // indexes into the candidates, in order
  std::optional<int64_t> next_after_seq;
};

// InvalidArgument for a state that is not terminal or a limit out of range.
Status CheckPruneParams(const JobPruneParams& p);

// Whether nothing can be pruned at all: every age is 0.
bool KeepsEverything(const JobPruneParams& p);

// Which of `rows` (seq order, at most p.limit, read after p.after_seq) to delete, and where the
// next call goes on.
PruneChoice ChoosePrunable(const std::vector<PruneCandidate>& rows, const JobPruneParams& p);

// [3,5,8]: the seqs of the chosen candidates.
std::string EncodeChosenSeqs(const std::vector<PruneCandidate>& rows,
                             const std::vector<size_t>& chosen);

}  // namespace conveyor
