// The backend-agnostic half of JobCompleteMany that SqliteStore and PostgresStore share: the JSON
// array of completions both bind to their one guarded statement, and the per-completion outcome
// built from the ids that statement completed. SQL and driver calls stay in each store.
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace conveyor {

// [[id, token, result, result_ref], ...] for the completions that name a job for the first time
// in this call; `repeated[i]` is set for the others (answered Conflict: the first one decides).
std::string EncodeCompletions(const JobCompleteManyParams& p, std::vector<bool>& repeated);

// Says why job `id` did not complete (NotFound or Conflict; anything else is a store error).
using CompletionMissReason = std::function<Status(const std::string& id)>;

// One status per completion: OK when its id is in `succeeded` and not repeated, else `why(id)`.
// Returns why's error as a whole when it is neither Conflict nor NotFound.
Result<std::vector<Status>> CompletionOutcomes(const JobCompleteManyParams& p,
                                               const std::vector<bool>& repeated,
                                               const std::unordered_set<std::string>& succeeded,
                                               const CompletionMissReason& why);

}  // namespace conveyor
