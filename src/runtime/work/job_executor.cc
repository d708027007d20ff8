#include "runtime/work/job_executor.h"

#include <chrono>
#include <exception>
#include <utility>

#include "observability/log.h"
#include "runtime/job_transitions.h"
#include "runtime/store_retry.h"
#include "store/store_dependency_rules.h"

namespace conveyor {

namespace {

bool IsPermanent(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition;
}

}  // namespace

std::optional<JobCompletion> JobExecutor::Run(Attempt& attempt) {
  const Job& job = attempt.job();
  Handler* handler = shared_.handlers.Find(job.type);
  if (handler == nullptr) {
    Fail(attempt, "no handler for job type '" + job.type + "'", /*retryable=*/false);
    return std::nullopt;
  }
  // Cancelled while it waited behind other jobs of its batch: don't start it at all.
  if (attempt.StoppedFor(Attempt::kCancelRequested) || attempt.StoppedFor(Attempt::kLeaseLost))
    return Settle(attempt, Status::Cancelled("cancelled before it started"));
  attempt.SetArtifactRoot(shared_.config.artifact_dir);
  attempt.MarkStarted(std::chrono::steady_clock::now());
  shared_.running.fetch_add(1, std::memory_order_relaxed);
  Result<std::string> outcome = Invoke(*handler, attempt);
  shared_.running.fetch_sub(1, std::memory_order_relaxed);
  return Settle(attempt, std::move(outcome));
}

Result<std::string> JobExecutor::Invoke(Handler& handler, Attempt& attempt) {
  // A handler's exception is its failure, not ours: keep the message, retry the job.
  try {
    return handler.Run(attempt);
  } catch (const std::exception& e) {
    return Status::Internal(e.what());
  } catch (...) {
    return Status::Internal("the handler threw an exception that is not a std::exception");
  }
}

std::optional<JobCompletion> JobExecutor::Settle(Attempt& attempt, Result<std::string> outcome) {
  FlushProgress(attempt);
  if (outcome.ok()) {
    return JobCompletion{.id = attempt.id(),
                         .lease_token = attempt.lease_token(),
                         .result = std::move(outcome).value(),
                         .result_ref = attempt.result_ref()};
  }
  const Status& s = outcome.status();
  if (attempt.StoppedFor(Attempt::kCancelRequested)) {
    CancelAck(attempt);
  } else if (attempt.StoppedFor(Attempt::kTimedOut)) {
    Fail(attempt, "timed out after " + std::to_string(attempt.job().timeout_s) + " s", true);
  } else if (attempt.StoppedFor(Attempt::kShutdown) && s.code() == StatusCode::kCancelled) {
    ReleaseMany({&attempt});
  } else if (attempt.StoppedFor(Attempt::kLeaseLost)) {
    // Another attempt owns the job now; anything we wrote would be refused (fencing).
    log::Warn("job.lease_lost", {{"job_id", attempt.id()}, {"error", s.message()}});
    shared_.held.Remove(attempt.id());
  } else {
    Fail(attempt, s.message().empty() ? s.ToString() : s.message(), !IsPermanent(s.code()));
  }
  return std::nullopt;
}

void JobExecutor::FlushProgress(Attempt& attempt) {
  if (!attempt.HasProgress()) return;
  Result<HeartbeatOutcome> r = shared_.store.JobHeartbeat(
      attempt.TakeHeartbeat(shared_.clock.NowMs(), shared_.config.lease_ms));
  // Best effort: the outcome written next is what counts, and a lost lease is its call's to report.
  if (!r.ok()) {
    log::Debug("job.progress_not_flushed",
               {{"job_id", attempt.id()}, {"error", r.status().ToString()}});
  }
}

void JobExecutor::Fail(Attempt& attempt, std::string error, bool retryable) {
  const Job& job = attempt.job();
  const TimeMs now = shared_.clock.NowMs();
  JobFailParams p{.id = job.id,
                  .lease_token = attempt.lease_token(),
                  .error = error,
                  .retryable = retryable,
                  .retry_at = now + shared_.config.retry.Delay(std::max(job.attempt, 1)),
                  .now = now};
  shared_.failed_attempts.fetch_add(1, std::memory_order_relaxed);
  Result<Job> r = CallStoreWithRetry("job.fail", job.id, [&] { return shared_.store.JobFail(p); });
  if (r.ok()) {
    PublishFailed(*r, job.started_at, now, error);
  } else {
    log::Warn("job.fail_not_recorded", {{"job_id", job.id}, {"error", r.status().ToString()}});
  }
  shared_.held.Remove(job.id);
}

void JobExecutor::CancelAck(Attempt& attempt) {
  const Job& job = attempt.job();
  JobCancelAckParams p{
      .id = job.id, .lease_token = attempt.lease_token(), .now = shared_.clock.NowMs()};
  Result<Job> r =
      CallStoreWithRetry("job.cancel_ack", job.id, [&] { return shared_.store.JobCancelAck(p); });
  if (r.ok()) {
    PublishPlain(observability::JobEventKind::kCancelled, *r);
  } else {
    log::Warn("job.cancel_not_recorded", {{"job_id", job.id}, {"error", r.status().ToString()}});
  }
  shared_.held.Remove(job.id);
}

void JobExecutor::CompleteMany(std::vector<JobCompletion> completions,
                               const std::vector<std::shared_ptr<Attempt>>& attempts) {
  if (completions.empty()) return;
  JobCompleteManyParams p{.completions = std::move(completions), .now = shared_.clock.NowMs()};
  const uint64_t released_before = DependentsReleased();
  Result<std::vector<Status>> r = CallStoreWithRetry(
      "job.complete_many", p.completions.front().id, [&] { return shared_.store.JobCompleteMany(p); });
  std::vector<std::string> ids;
  ids.reserve(attempts.size());
  for (size_t i = 0; i < attempts.size(); ++i) {
    const Job& job = attempts[i]->job();
    ids.push_back(job.id);
    const Status& s = r.ok() && i < r->size() ? (*r)[i] : r.status();
    if (s.ok()) {
      shared_.completed.fetch_add(1, std::memory_order_relaxed);
      // The job as claimed: its state and finished_at are the commit's, the rest is unchanged.
      PublishAttemptEnd(observability::JobEventKind::kSucceeded, job, job.started_at, p.now);
    } else {
      log::Warn("job.completion_not_recorded", {{"job_id", job.id}, {"error", s.ToString()}});
    }
  }
  shared_.held.RemoveMany(ids);
  // The completion released BLOCKED dependents (store_dependencies.h), perhaps after the
  // claimer's last claim (commits are asynchronous) came back empty: look again. Only then: a
  // wake-up after every completion makes the claimer top up early, in smaller claims.
  if (DependentsReleased() != released_before) shared_.wake.Notify();
}

void JobExecutor::ReleaseMany(const std::vector<const Attempt*>& attempts) {
  if (attempts.empty()) return;
  JobReleaseManyParams p{.now = shared_.clock.NowMs()};
  std::vector<std::string> ids;
  for (const Attempt* a : attempts) {
    p.jobs.emplace_back(a->id(), a->lease_token());
    ids.push_back(a->id());
  }
  Result<int> r =
      CallStoreWithRetry("job.release_many", ids.front(), [&] { return shared_.store.JobReleaseMany(p); });
  if (!r.ok()) log::Warn("job.release_not_recorded", {{"error", r.status().ToString()}});
  shared_.held.RemoveMany(ids);
}

}  // namespace conveyor
