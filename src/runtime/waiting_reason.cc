#include "runtime/waiting_reason.h"

#include "core/time_format.h"

namespace conveyor {
namespace {

// The rate limit holding `job` back now, if any (its queue's or its type's window is spent).
const RateLimitRow* SpentRate(const Job& job, const QueueSnapshot& queues, TimeMs now) {
  for (const RateLimitRow& r : queues.rates) {
    const bool applies = (r.kind == RateLimitKind::kQueue && r.name == job.queue) ||
                         (r.kind == RateLimitKind::kType && r.name == job.type);
    if (applies && r.Budget(now) <= 0) return &r;
  }
  return nullptr;
}

WaitingReason Until(std::string code, std::string what, TimeMs until) {
  return {.code = std::move(code), .detail = what + " until " + FormatRfc3339(until),
          .until = until};
}

std::optional<WaitingReason> QueueReason(const Job& job, const QueueSnapshot& queues) {
  const auto q = queues.queues.find(job.queue);
  if (q == queues.queues.end()) return std::nullopt;
  if (q->second.paused) {
    return WaitingReason{.code = "queue_paused",
                         .detail = "queue '" + job.queue + "' is paused; POST /api/v1/queues/" +
                                   job.queue + "/resume starts it again"};
  }
  const auto running = queues.running.find(job.queue);
  if (q->second.concurrency_limit && running != queues.running.end() &&
      running->second >= *q->second.concurrency_limit) {
    return WaitingReason{.code = "queue_at_limit",
                         .detail = "queue '" + job.queue + "' runs " +
                                   std::to_string(running->second) + " jobs, its concurrency limit"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<WaitingReason> ExplainWait(const Job& job, const QueueSnapshot& queues,
                                         const TypeCatalog& types, TimeMs now) {
  if (job.state == JobState::kBlocked) {
    return WaitingReason{.code = "dependencies",
                         .detail = "waiting until every job it depends on has succeeded",
                         .waiting_on = job.depends_on};
  }
  if (!IsWaiting(job.state)) return std::nullopt;
  if (job.run_at > now) {
    return job.state == JobState::kRetrying ? Until("backoff", "backing off after a failed attempt", job.run_at)
                                            : Until("scheduled", "scheduled", job.run_at);
  }
  if (auto r = QueueReason(job, queues)) return r;
  if (!types.Serves(job.type)) {
    return WaitingReason{.code = "no_worker",
                         .detail = "no handler or external worker serves type '" + job.type +
                                   "' on this cluster yet"};
  }
  if (const RateLimitRow* r = SpentRate(job, queues, now)) {
    return Until("rate_limited",
                 std::string("rate limited (") + RateLimitKindName(r->kind) + " '" + r->name + "')",
                 r->NextWindow(now));
  }
  return WaitingReason{.code = "ready",
                       .detail = "due; the next free worker serving queue '" + job.queue +
                                 "' takes it"};
}

}  // namespace conveyor
