// The runtime's calls to observability::Publish (observability/job_transition.h): each builds
// the transition from what a store call answered, with its times in seconds. Call them only
// after the store committed the transition, and only for transitions this node made, so a
// cluster's logs and counters add up without double counting.
//
// Thread-safety: any thread, concurrently (as Publish).
#pragma once

#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "observability/job_transition.h"
#include "store/store.h"

namespace conveyor {

// The new jobs among `outcomes` (idempotent replays made no transition).
void PublishSubmitted(const std::vector<InsertOutcome>& outcomes);
// Jobs just claimed (started_at set by the claim): wait_s = started_at - max(created_at, run_at).
void PublishStarted(const std::vector<Job>& claimed);
// kSucceeded, kRetrying or kFailed for the attempt that started at `started_at`: duration_s =
// finished - started_at (omitted when started_at is unknown). `error` for the failed ones.
void PublishAttemptEnd(observability::JobEventKind kind, const Job& job,
                       std::optional<TimeMs> started_at, TimeMs finished,
                       std::string_view error = {});
// A failed attempt as JobFail answered it: RETRYING → kRetrying, anything else → kFailed.
void PublishFailed(const Job& after, std::optional<TimeMs> started_at, TimeMs finished,
                   std::string_view error);
// A transition that ends no attempt: kCancelled, kExpired, or kRetrying with attempt 0 for a
// POST /jobs/{id}/retry (the job is PENDING again with a fresh budget).
void PublishPlain(observability::JobEventKind kind, const Job& job);

}  // namespace conveyor
