// WaitingReason: why a job that is not running is not running yet, in words an operator can act
// on (docs/scheduling.md, "Why a job waits"). Computed when a job is read, from the job, the
// node's queue snapshot (runtime/queue_service.h: at most about a second old) and the type
// catalog; nothing is stored.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "runtime/queue_service.h"
#include "runtime/type_catalog.h"

namespace conveyor {

struct WaitingReason {
  // "dependencies", "scheduled", "backoff", "queue_paused", "no_worker", "queue_at_limit",
  // "rate_limited", "ready" (due, nothing holds it back: the next free worker takes it).
  std::string code;
  std::string detail;               // a sentence
  std::optional<TimeMs> until;      // scheduled, backoff, rate_limited
  std::vector<std::string> waiting_on;  // dependencies: the ids it waits on
};

// nullopt for a job that is RUNNING or finished.
std::optional<WaitingReason> ExplainWait(const Job& job, const QueueSnapshot& queues,
                                         const TypeCatalog& types, TimeMs now);

}  // namespace conveyor
