#include "runtime/work/external_leases.h"

#include <algorithm>
#include <utility>

#include "handlers/handler_registry.h"
#include "observability/log.h"
#include "runtime/job_transitions.h"

namespace conveyor {

namespace {

// Remembered lease lengths, by token, for heartbeats that do not name one. Tokens of workers
// that vanish are never forgotten one by one; past this size the map starts over, and such
// heartbeats fall back to the node's default lease.
constexpr size_t kMaxRememberedTokens = 100'000;

}  // namespace

ExternalLeases::ExternalLeases(Store& store, const HandlerRegistry& handlers, const Clock& clock,
                               const RuntimeConfig& config)
    : store_(store),
      clock_(clock),
      config_(config),
      builtin_types_(handlers.Names()),
      types_(handlers, config.external_types) {}

ExternalLeases::~ExternalLeases() {
  Shutdown();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(calls_mu_);
    calls_stop_ = true;
    threads.swap(call_threads_);
  }
  calls_cv_.notify_all();
  for (auto& t : threads) t.join();
}

Result<std::vector<Job>> ExternalLeases::Claim(const LeaseRequest& request) {
  JobClaimParams p{.worker_id = request.worker_id,
                   .max = request.max,
                   .now = clock_.NowMs(),
                   .lease_ms = request.lease_ms,
                   .types = request.types,
                   .queues = request.queues};
  // Types named explicitly are the only ones claimed; otherwise everything but the built-ins,
  // which this node's own workers run.
  if (request.types.empty()) p.exclude_types = builtin_types_;
  Result<std::vector<Job>> jobs = store_.JobClaim(p);
  if (!jobs.ok() || jobs->empty()) return jobs;
  PublishStarted(*jobs);
  leased_.fetch_add(static_cast<int64_t>(jobs->size()), std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(tokens_mu_);
  if (lease_ms_by_token_.size() + jobs->size() > kMaxRememberedTokens) lease_ms_by_token_.clear();
  for (const Job& job : *jobs) {
    if (job.lease) lease_ms_by_token_[job.lease->token] = request.lease_ms;
  }
  return jobs;
}

TimeMs ExternalLeases::LeaseMsOf(const std::string& token, std::optional<TimeMs> asked) {
  if (asked) return *asked;
  std::lock_guard<std::mutex> lock(tokens_mu_);
  auto it = lease_ms_by_token_.find(token);
  return it == lease_ms_by_token_.end() ? config_.lease_ms : it->second;
}

void ExternalLeases::ForgetToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(tokens_mu_);
  lease_ms_by_token_.erase(token);
}

// The store answers Conflict for a token that does not match; tell an unknown job apart.
Status ExternalLeases::CheckJobFound(const std::string& id, const Status& store_error) {
  if (store_error.code() != StatusCode::kConflict) return store_error;
  Result<Job> job = store_.JobGet(id);
  if (!job.ok()) return job.status();
  return Status::Conflict("the lease token of job " + id +
                          " is not the current one: the lease expired or the job moved on");
}

Result<HeartbeatAnswer> ExternalLeases::Heartbeat(const ExternalHeartbeat& beat) {
  const TimeMs now = clock_.NowMs();
  const TimeMs expires = now + LeaseMsOf(beat.lease_token, beat.lease_ms);
  Result<HeartbeatOutcome> r = store_.JobHeartbeat({.id = beat.id,
                                                    .lease_token = beat.lease_token,
                                                    .lease_expires_at = expires,
                                                    .progress = beat.progress,
                                                    .message = beat.message,
                                                    .now = now});
  if (!r.ok()) return CheckJobFound(beat.id, r.status());
  return HeartbeatAnswer{.cancel_requested = r->cancel_requested, .lease_expires_at = expires};
}

Status ExternalLeases::Complete(const std::string& id, const std::string& lease_token,
                                std::string result_json) {
  std::vector<JobCompletion> one;
  one.push_back({.id = id, .lease_token = lease_token, .result = std::move(result_json)});
  Result<std::vector<Status>> r = CompleteMany(std::move(one));
  return r.ok() ? r->front() : r.status();
}

Result<std::vector<Status>> ExternalLeases::CompleteMany(std::vector<JobCompletion> completions) {
  if (completions.empty()) return std::vector<Status>{};
  JobCompleteManyParams p{.completions = std::move(completions), .now = clock_.NowMs()};
  Result<std::vector<Status>> r = store_.JobCompleteMany(p);
  if (!r.ok()) return r.status();
  if (r->size() != p.completions.size())
    return Status::Internal("the store answered " + std::to_string(r->size()) + " outcomes for " +
                            std::to_string(p.completions.size()) + " completions");
  for (size_t i = 0; i < r->size(); ++i) {
    Status& s = (*r)[i];
    if (!s.ok()) {
      s = CheckJobFound(p.completions[i].id, s);
      continue;
    }
    ForgetToken(p.completions[i].lease_token);
    completed_.fetch_add(1, std::memory_order_relaxed);
    PublishCompleted(p.completions[i].id, p.now);
  }
  return r;
}

// A completion carries only the job's id: its type, queue and attempt are read back (one read
// per completion; the log line and the counters need them). A job that cannot be read is left
// out of both, with a warning.
void ExternalLeases::PublishCompleted(const std::string& id, TimeMs finished) {
  Result<Job> job = store_.JobGet(id);
  if (!job.ok()) {
    log::Warn("job.succeeded_unread", {{"job_id", id}, {"error", job.status().ToString()}});
    return;
  }
  PublishAttemptEnd(observability::JobEventKind::kSucceeded, *job, job->started_at, finished);
}

Result<Job> ExternalLeases::Fail(const ExternalFailure& f) {
  Result<Job> job = store_.JobGet(f.id);
  if (!job.ok()) return job.status();
  const TimeMs now = clock_.NowMs();
  const TimeMs delay = f.retry_in_ms ? *f.retry_in_ms : config_.retry.Delay(job->attempt);
  Result<Job> after =
      job->cancel_requested
          ? store_.JobCancelAck({.id = f.id, .lease_token = f.lease_token, .now = now})
          : store_.JobFail({.id = f.id,
                            .lease_token = f.lease_token,
                            .error = f.error,
                            .retryable = f.retryable,
                            .retry_at = now + delay,
                            .now = now});
  if (!after.ok()) return CheckJobFound(f.id, after.status());
  ForgetToken(f.lease_token);
  failed_attempts_.fetch_add(1, std::memory_order_relaxed);
  if (after->state == JobState::kCancelled) {
    PublishPlain(observability::JobEventKind::kCancelled, *after);
  } else {
    PublishFailed(*after, job->started_at, now, f.error);
  }
  return after;
}

void ExternalLeases::Post(std::function<void()> call) {
  {
    std::lock_guard<std::mutex> lock(calls_mu_);
    if (call_threads_.empty() && !calls_stop_) {
      for (int i = 0; i < kCallThreads; ++i) call_threads_.emplace_back([this] { CallLoop(); });
    }
    calls_.push_back(std::move(call));
  }
  calls_cv_.notify_one();
}

void ExternalLeases::CallLoop() {
  std::unique_lock<std::mutex> lock(calls_mu_);
  for (;;) {
    calls_cv_.wait(lock, [&] { return !calls_.empty() || calls_stop_; });
    if (calls_.empty()) return;  // stopping with nothing left
    std::function<void()> call = std::move(calls_.front());
    calls_.pop_front();
    ++calls_running_;
    lock.unlock();
    call();
    call = nullptr;  // what it captured goes before the call counts as returned
    lock.lock();
    if (--calls_running_ == 0 && calls_.empty()) calls_idle_cv_.notify_all();
  }
}

bool ExternalLeases::WaitCallsIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(calls_mu_);
  return calls_idle_cv_.wait_for(lock, timeout,
                                 [&] { return calls_.empty() && calls_running_ == 0; });
}

uint64_t ExternalLeases::Watch(const LeaseRequest& request, std::function<void()> wake) {
  WaitFilter f{.queues = request.queues, .types = request.types};
  // As Claim filters: the built-ins only when named.
  if (request.types.empty()) f.exclude_types = builtin_types_;
  return waiters_.Add(std::move(f), request.max, std::move(wake));
}

uint64_t ExternalLeases::Watch(std::function<void()> wake) {
  return waiters_.Add(WaitFilter{.any = true}, 1, std::move(wake));
}

void ExternalLeases::Unwatch(uint64_t id) { waiters_.Remove(id); }

void ExternalLeases::NotifyInserted(const std::vector<InsertOutcome>& outcomes) {
  if (waiters_.waiting() == 0) return;
  std::vector<JobKey> ready;
  ready.reserve(outcomes.size());
  // Replays add nothing; scheduled jobs are found by the polls' re-check when due.
  for (const InsertOutcome& o : outcomes) {
    if (o.is_new && o.job.state == JobState::kPending) ready.push_back({o.job.queue, o.job.type});
  }
  waiters_.Notify(ready);
}

void ExternalLeases::NotifyAvailable(const Job& job) {
  if (waiters_.waiting() == 0) return;
  waiters_.Notify({JobKey{job.queue, job.type}});
}

void ExternalLeases::Shutdown() {
  shutdown_.store(true);
  waiters_.NotifyAll();
}

ExternalLeases::Counters ExternalLeases::GetCounters() const {
  return {.leased = leased_.load(std::memory_order_relaxed),
          .completed = completed_.load(std::memory_order_relaxed),
          .failed_attempts = failed_attempts_.load(std::memory_order_relaxed),
          .poll_wakeups = waiters_.wakeups(),
          .polls_waiting = waiters_.waiting()};
}

}  // namespace conveyor
