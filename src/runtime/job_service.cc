#include "runtime/job_service.h"

#include <boost/json.hpp>
#include <future>
#include <utility>

#include "core/ids.h"
#include "core/trace_context.h"
#include "handlers/handler_registry.h"
#include "json/json_text.h"
#include "observability/log.h"
#include "runtime/batch_dependencies.h"
#include "runtime/canonical_request.h"
#include "runtime/job_id.h"
#include "runtime/job_transitions.h"
#include "runtime/submit_validator.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"

namespace conveyor {

namespace {

void CountSubmitted(const std::vector<InsertOutcome>& outcomes, std::atomic<int64_t>& counter) {
  int64_t n = 0;
  for (const InsertOutcome& o : outcomes) n += o.is_new ? 1 : 0;
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

JobService::JobService(Store& store, const HandlerRegistry& handlers, const Clock& clock,
                       RuntimeConfig config, ExternalLeases& external, WorkerPool* pool)
    : store_(store),
      handlers_(handlers),
      clock_(clock),
      config_(std::move(config)),
      external_(external),
      pool_(pool),
      stats_(store, [&external](std::function<void()> read) { external.Post(std::move(read)); }),
      queues_(
          store, clock, [&external](std::function<void()> f) { external.Post(std::move(f)); },
          [this] {
            if (pool_ != nullptr) pool_->Notify();
            external_.NotifyQueuesChanged();
          }) {
  // A store not migrated yet answers later: the snapshot refreshes on first use.
  (void)queues_.Load();
}

namespace {

// A queue not seen before is made by its first job; their number is bounded (the claim looks at
// every queue).
Status CheckQueueRoom(const QueueSnapshot& snap, const std::string& queue,
                      std::string_view prefix) {
  if (snap.queues.size() < static_cast<size_t>(kMaxQueues) || snap.queues.count(queue) > 0) {
    return Status::Ok();
  }
  return Status::InvalidArgument(std::string(prefix) + "queue '" + queue +
                                 "' would be a new queue, and this server already has " +
                                 std::to_string(kMaxQueues) +
                                 " queues; use an existing one");
}

}  // namespace

std::optional<WaitingReason> JobService::WaitingReasonOf(const Job& job) const {
  return ExplainWait(job, *queues_.Current(), external_.types(), clock_.NowMs());
}

Result<Job> JobService::BuildJob(const JobSpec& spec, TimeMs now) const {
  return BuildJobAt(spec, now, "");
}

Result<Job> JobService::BuildJobAt(const JobSpec& spec, TimeMs now,
                                   std::string_view prefix) const {
  if (Status s = ValidateSubmitSpec(spec, external_.types(), now, prefix); !s.ok()) return s;
  const std::shared_ptr<const QueueSnapshot> snap = queues_.Current();
  if (Status s = CheckQueueRoom(*snap, spec.queue, prefix); !s.ok()) return s;
  const auto queue = snap->queues.find(spec.queue);
  const QueueSettings* settings = queue == snap->queues.end() ? nullptr : &queue->second;
  Job job;
  job.id = NewUuidV7(now);
  job.type = spec.type;
  job.queue = spec.queue;
  job.tenant = spec.tenant;
  job.payload = ToJsonText(spec.payload);
  job.priority = spec.priority;
  // The type's own default (document.pipeline: 1 + WEBHOOK_MAX_RETRIES) beats the server's.
  const Handler* handler = handlers_.Find(spec.type);
  const int type_attempts = handler != nullptr ? handler->DefaultMaxAttempts() : 0;
  // The job's own, else its queue's, else its type's, else the server's.
  const int fallback_attempts = type_attempts > 0 ? type_attempts : config_.default_max_attempts;
  job.max_attempts = spec.max_attempts.value_or(
      settings && settings->max_attempts ? *settings->max_attempts : fallback_attempts);
  job.run_at = RequestedRunAt(spec, now).value_or(now);
  job.state = job.run_at > now ? JobState::kScheduled : JobState::kPending;
  job.expires_at = spec.expires_at;
  job.timeout_s = spec.timeout_s.value_or(
      settings && settings->timeout_s ? *settings->timeout_s : config_.default_timeout_s);
  job.idempotency_key = spec.idempotency_key;
  job.correlation_id = spec.correlation_id;
  // Not part of request_hash: a replay under another trace is still the same request.
  // Unset: the job's trace is derived from its id (JobTraceParent), nothing stored.
  job.traceparent = spec.traceparent;
  if (spec.traceparent) job.tracestate = spec.tracestate;
  job.webhook_url = spec.webhook_url;
  job.tags = spec.tags;
  job.depends_on = spec.depends_on;
  job.dialect = spec.dialect;
  job.created_at = now;
  job.updated_at = now;
  job.request_hash = Fingerprint(CanonicalRequest(spec, job));
  return job;
}

void JobService::SubmitAsync(std::vector<JobSpec> specs,
                             std::function<void(Result<std::vector<InsertOutcome>>)> done) {
  if (Status s = ValidateSubmitCount(specs.size()); !s.ok()) return done(s);
  JobInsertManyParams params;
  params.now = clock_.NowMs();
  params.key_window_ms = config_.idempotency_window_ms;
  params.jobs.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string prefix = SubmitErrorPrefix(specs, i);
    Result<Job> job = BuildJobAt(specs[i], params.now, prefix);
    if (!job.ok()) return done(job.status());
    params.jobs.push_back(std::move(job).value());
  }
  if (Status s = ResolveBatchReferences(specs, params.jobs); !s.ok()) return done(s);
  {
    std::lock_guard<std::mutex> lock(async_->mu);
    ++async_->count;
  }
  store_.JobInsertManyAsync(std::move(params), [this, in_flight = async_, done = std::move(done)](
                                                   Result<std::vector<InsertOutcome>> r) {
        if (r.ok()) {
          PublishSubmitted(*r);
          CountSubmitted(*r, submitted_);
          if (pool_ != nullptr) pool_->Notify();
          external_.NotifyInserted(*r);
        }
        done(std::move(r));
        // `this` may be gone from here on (a blocking Submit returned): only `in_flight`.
        std::lock_guard<std::mutex> lock(in_flight->mu);
        if (--in_flight->count == 0) in_flight->returned.notify_all();
      });
}

// ASan saw a stats answer run after the HTTP server that awaited it had gone: the answer holds
// the server's io_context executor until it returns, so the server's Stop waits for it.
void JobService::StatsAsync(std::function<void(Result<JobStats>)> done) {
  {
    std::lock_guard<std::mutex> lock(async_->mu);
    ++async_->count;
  }
  stats_.Read([in_flight = async_, done = std::move(done)](Result<JobStats> r) {
    done(std::move(r));
    std::lock_guard<std::mutex> lock(in_flight->mu);
    if (--in_flight->count == 0) in_flight->returned.notify_all();
  });
}

bool JobService::WaitAsyncSubmitsReturned(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(async_->mu);
  return async_->returned.wait_for(lock, timeout, [this] { return async_->count == 0; });
}

Result<std::vector<InsertOutcome>> JobService::Submit(std::vector<JobSpec> specs) {
  std::promise<Result<std::vector<InsertOutcome>>> promise;
  auto future = promise.get_future();
  SubmitAsync(std::move(specs), [&promise](Result<std::vector<InsertOutcome>> r) {
    promise.set_value(std::move(r));
  });
  return future.get();
}

Result<Job> JobService::Get(const std::string& id) {
  if (Status s = CheckJobId(id); !s.ok()) return s;
  return store_.JobGet(id);
}

Result<JobPage> JobService::List(const JobListParams& params) {
  if (params.limit < 1 || params.limit > 1000)
    return Status::InvalidArgument("limit must be between 1 and 1000 (got " +
                                   std::to_string(params.limit) + ")");
  if (params.offset < 0) return Status::InvalidArgument("offset must be 0 or more");
  if (params.cursor && !IsValidUuid(*params.cursor))
    return Status::InvalidArgument("cursor must be a job id (a UUID) taken from next_cursor");
  return store_.JobList(params);
}

Result<std::vector<JobEvent>> JobService::Events(const std::string& id) {
  if (Status s = CheckJobId(id); !s.ok()) return s;
  return store_.JobEventList(id);
}

Result<Job> JobService::Cancel(const std::string& id) {
  if (Status s = CheckJobId(id); !s.ok()) return s;
  Result<Job> job = store_.JobCancel({.id = id, .now = clock_.NowMs()});
  if (!job.ok()) return job;
  // A running job is only asked to stop: its worker's acknowledgement is the transition.
  if (job->state == JobState::kCancelled) {
    PublishPlain(observability::JobEventKind::kCancelled, *job);
  } else {
    log::Debug("job.cancel_requested", {{"job_id", id}, {"state", ToString(job->state)}});
  }
  if (job->state == JobState::kRunning && pool_ != nullptr) pool_->CancelRunning(id);
  return job;
}

Result<Job> JobService::Retry(const std::string& id) {
  if (Status s = CheckJobId(id); !s.ok()) return s;
  Result<Job> job = store_.JobRetry({.id = id, .now = clock_.NowMs()});
  if (!job.ok()) return job;
  // Logged as a retry with attempt 0 (docs/operations.md, "Logs"): the list of job events has
  // no "requeued", and a dead-letter re-drive is a retry the client asked for.
  PublishPlain(observability::JobEventKind::kRetrying, *job);
  if (pool_ != nullptr) pool_->Notify();
  external_.NotifyAvailable(*job);
  return job;
}

Status JobService::Ready() { return store_.Readiness(); }

Result<std::map<JobState, int64_t>> JobService::Counts() { return store_.JobCountByState(); }

}  // namespace conveyor
