// ExternalLeases: what workers in other processes and languages do over HTTP (docs/api.md,
// "Worker routes") — claim jobs with a lease, heartbeat, complete, fail — as runtime calls with
// the rules in one place:
//   - Built-in types are never leased unless the request names them in `types`.
//   - A heartbeat extends the lease by the lease_ms given at lease time (remembered here) or by
//     the one it names; without either, by the node's default lease.
//   - `fail` on a job whose cancel was requested ends it CANCELLED (the worker stopped because
//     it was told to); otherwise RETRYING after retry_in_ms or the retry policy's backoff, or
//     FAILED when not retryable or out of attempts.
// It also keeps the long polls' wake-up list (LeaseWaiters): Watch() registers a callback run
// when jobs it can take may have become available — NotifyInserted / NotifyAvailable, called by
// JobService on submit and retry, wake only matching polls and at most one per job — and on
// Shutdown(). It keeps the node's TypeCatalog (runtime/type_catalog.h): the types external
// workers serve are those the operator declared (RuntimeConfig::external_types) and those a
// lease request names, which the leases route reports with types().Learn(); JobService refuses
// a submit of any other type no handler serves. Store calls may wait for an fsync; Post() runs them
// on helper threads so the HTTP layer's io threads never block on one.
//
// Thread-safety: every method may be called from any thread. Watch callbacks run under an
// internal lock: they must only post work elsewhere, never block or call back in here.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/status.h"
#include "runtime/runtime_config.h"
#include "runtime/type_catalog.h"
#include "runtime/work/lease_waiters.h"
#include "store/store.h"

namespace conveyor {

class HandlerRegistry;

struct LeaseRequest {
  std::string worker_id;
  std::vector<std::string> queues;  // empty: any queue
  std::vector<std::string> types;   // empty: any type without a built-in handler
  int max = 1;
  TimeMs lease_ms = 30000;
};

struct ExternalHeartbeat {
  std::string id;
  std::string lease_token;
  std::optional<TimeMs> lease_ms;  // absent: as at lease time
  std::optional<double> progress;  // 0..100
  std::optional<std::string> message;
};

struct HeartbeatAnswer {
  bool cancel_requested = false;
  TimeMs lease_expires_at = 0;
};

struct ExternalFailure {
  std::string id;
  std::string lease_token;
  std::string error;
  bool retryable = true;
  std::optional<TimeMs> retry_in_ms;  // overrides the retry policy's backoff
};

class ExternalLeases {
 public:
  static constexpr int kCallThreads = 8;

  ExternalLeases(Store& store, const HandlerRegistry& handlers, const Clock& clock,
                 const RuntimeConfig& config);
  ~ExternalLeases();
  ExternalLeases(const ExternalLeases&) = delete;
  ExternalLeases& operator=(const ExternalLeases&) = delete;

  // One claim, no waiting: up to request.max due jobs, each RUNNING with a fresh lease.
  Result<std::vector<Job>> Claim(const LeaseRequest& request);
  // Conflict for a stale or unknown token; NotFound for an unknown job.
  Result<HeartbeatAnswer> Heartbeat(const ExternalHeartbeat& beat);
  Status Complete(const std::string& id, const std::string& lease_token, std::string result_json);
  // Many completions in one store transaction (one fsync); outcomes in input order, each as
  // Complete would answer it. Fails as a whole only when the store does.
  Result<std::vector<Status>> CompleteMany(std::vector<JobCompletion> completions);
  // Returns the job after the transition (RETRYING, FAILED or CANCELLED).
  Result<Job> Fail(const ExternalFailure& failure);

  // Runs `call` on one of kCallThreads helper threads (started on first use).
  void Post(std::function<void()> call);
  // Waits until no posted call is queued or running (each one returned, and what it captured
  // destroyed); false on timeout. The HTTP server waits for this at Stop: a call's completion
  // touches the server's io_context until it returns, even after its session ended.
  bool WaitCallsIdle(std::chrono::milliseconds timeout);

  // Which types this node accepts jobs of; a lease request's `types` are learned into it.
  TypeCatalog& types() { return types_; }
  const TypeCatalog& types() const { return types_; }

  // The lease of a claim that names none (RuntimeConfig::lease_ms).
  TimeMs default_lease_ms() const { return config_.lease_ms; }

  // A waiter for the jobs `request` would claim; Looking(id) right before each claim.
  uint64_t Watch(const LeaseRequest& request, std::function<void()> wake);
  // A waiter for any job at all.
  uint64_t Watch(std::function<void()> wake);
  void Looking(uint64_t id) { waiters_.Looking(id); }
  void Unwatch(uint64_t id);
  // New jobs were committed: wakes the polls that can take those ready now (new, PENDING).
  void NotifyInserted(const std::vector<InsertOutcome>& outcomes);
  // `job` became claimable (a retry).
  void NotifyAvailable(const Job& job);
  // A queue was resumed or a limit changed: every poll looks again.
  void NotifyQueuesChanged() { waiters_.NotifyAll(); }
  // Wakes every watcher now and for good: long polls answer at once from then on.
  void Shutdown();
  bool IsShutdown() const { return shutdown_.load(); }

  struct Counters {
    int64_t leased = 0;
    int64_t completed = 0;
    int64_t failed_attempts = 0;
    int64_t poll_wakeups = 0;  // long polls woken by new jobs (or shutdown)
    int polls_waiting = 0;     // long polls registered now
  };
  Counters GetCounters() const;

 private:
  void CallLoop();
  Status CheckJobFound(const std::string& id, const Status& store_error);
  TimeMs LeaseMsOf(const std::string& token, std::optional<TimeMs> asked);
  void ForgetToken(const std::string& token);
  void PublishCompleted(const std::string& id, TimeMs finished);

  Store& store_;
  const Clock& clock_;
  const RuntimeConfig config_;
  const std::vector<std::string> builtin_types_;
  TypeCatalog types_;

  std::mutex tokens_mu_;
  std::unordered_map<std::string, TimeMs> lease_ms_by_token_;  // guarded by tokens_mu_

  LeaseWaiters waiters_;
  std::atomic<bool> shutdown_{false};

  std::mutex calls_mu_;
  std::condition_variable calls_cv_;
  std::deque<std::function<void()>> calls_;  // guarded by calls_mu_
  std::vector<std::thread> call_threads_;    // guarded by calls_mu_
  bool calls_stop_ = false;                  // guarded by calls_mu_
  int calls_running_ = 0;                    // guarded by calls_mu_
  std::condition_variable calls_idle_cv_;

  std::atomic<int64_t> leased_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> failed_attempts_{0};
};

}  // namespace conveyor
