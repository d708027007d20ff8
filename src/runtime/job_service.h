// JobService: what the API and CLI ask of Conveyor about jobs — submit, read, list, cancel,
// retry, count, and whether the store takes jobs now. It turns client specs into stored jobs
// (ids, defaults, validation through the handler registry), and wakes whoever may run them: the
// local worker pool and the long polls of external workers (ExternalLeases). No HTTP here, no
// SQL. Its neighbours: DeliveryService (webhook deliveries), ExternalLeases (the worker routes),
// NodeRegistry (the node list).
//
// Thread-safety: every method may be called from any thread. The service must outlive the
// `done` callbacks of its SubmitAsync calls (they run on the store's writer thread).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/status.h"
#include "runtime/job_spec.h"
#include "runtime/job_stats_reader.h"
#include "runtime/queue_service.h"
#include "runtime/waiting_reason.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class ExternalLeases;
class HandlerRegistry;
class WorkerPool;

class JobService {
 public:
  // New and retried jobs wake `pool` (may be null: API-only node, or tests without workers) and
  // `external`'s long polls; a cancel reaches `pool`'s running handler at once. Both must
  // outlive the service.
  JobService(Store& store, const HandlerRegistry& handlers, const Clock& clock,
             RuntimeConfig config, ExternalLeases& external, WorkerPool* pool);

  // Validates every spec before storing any (runtime/submit_validator.h, against `external`'s
  // TypeCatalog: a type nobody serves is refused); 1..1000 specs. Messages
  // about an item of a batch name its index: "jobs[3].payload.data[2] must be a number"; about
  // the one job of POST /jobs, just the field.
  // Outcomes come back in spec order. Calls `done` exactly once, possibly on another thread
  // (never block inside it).
  void SubmitAsync(std::vector<JobSpec> specs,
                   std::function<void(Result<std::vector<InsertOutcome>>)> done);
  // Blocking form of SubmitAsync.
  Result<std::vector<InsertOutcome>> Submit(std::vector<JobSpec> specs);
  // True once every SubmitAsync (and StatsAsync) callback handed on has returned (false at
  // `timeout`).
  // A server calls it before freeing the io_context those callbacks post to: a callback may
  // still be finishing on the writer thread after the session it answered has ended.
  bool WaitAsyncSubmitsReturned(std::chrono::milliseconds timeout);

  // InvalidArgument for an id that is not a UUID; NotFound for an unknown one.
  Result<Job> Get(const std::string& id);
  // InvalidArgument for a limit outside 1..1000, a negative offset or a cursor that is not a UUID.
  Result<JobPage> List(const JobListParams& params);
  Result<std::vector<JobEvent>> Events(const std::string& id);
  // Waiting → CANCELLED; RUNNING → cancel_requested (and the local handler is told at once);
  // FailedPrecondition when already terminal.
  Result<Job> Cancel(const std::string& id);
  // FAILED | CANCELLED | EXPIRED → PENDING with a fresh attempt budget; else FailedPrecondition.
  Result<Job> Retry(const std::string& id);
  // OK when the store can accept a job (its recent writes succeeded); never blocks on the store.
  Status Ready();
  Result<std::map<JobState, int64_t>> Counts();
  // GET /admin/stats: counts by state and type, the dead-letter summary, read on ExternalLeases'
  // helper threads one read at a time (runtime/job_stats_reader.h). Calls `done` exactly once,
  // possibly on another thread (never block inside it).
  // Counted with the submits: WaitAsyncSubmitsReturned waits for these answers too.
  void StatsAsync(std::function<void(Result<JobStats>)> done);

  // Turns one spec into a job ready to insert (validated, defaults applied); exposed for tests.
  Result<Job> BuildJob(const JobSpec& spec, TimeMs now) const;

  // Why `job` is not running yet (nullopt when it runs or has finished): docs/scheduling.md.
  std::optional<WaitingReason> WaitingReasonOf(const Job& job) const;

  // The queues and rate limits (settings, snapshot, GET /queues).
  QueueService& queues() const { return queues_; }

  // Jobs accepted by this node since it started (idempotent replays not counted).
  int64_t SubmittedCount() const { return submitted_.load(std::memory_order_relaxed); }

 private:
  Result<Job> BuildJobAt(const JobSpec& spec, TimeMs now, std::string_view prefix) const;

  Store& store_;
  const HandlerRegistry& handlers_;
  const Clock& clock_;
  RuntimeConfig config_;
  ExternalLeases& external_;
  WorkerPool* pool_;
  JobStatsReader stats_;
  // Mutable: reading the snapshot may start its background refresh.
  mutable QueueService queues_;
  std::atomic<int64_t> submitted_{0};
  // SubmitAsync callbacks handed to the store that have not returned. Shared with each callback,
  // which leaves it as its very last step, when the blocking Submit's caller may already have
  // destroyed this service.
  struct InFlight {
    std::mutex mu;
    std::condition_variable returned;
    int count = 0;  // GUARDED_BY(mu)
  };
  const std::shared_ptr<InFlight> async_ = std::make_shared<InFlight>();
};

}  // namespace conveyor
