#include "runtime/work/worker_pool.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

// A real handler whose Run throws: the executor must turn that into a failed attempt.
class ThrowingHandler final : public Handler {
 public:
  std::string_view type() const override { return "throws"; }
  Status ValidatePayload(const boost::json::value&) const override { return Status::Ok(); }
  Result<std::string> Run(JobContext&) override { throw std::runtime_error("kaput"); }
};

// A real handler that reports a fractional progress, then runs until cancelled (at most 20 s).
class FractionalProgressHandler final : public Handler {
 public:
  std::string_view type() const override { return "fraction"; }
  Status ValidatePayload(const boost::json::value&) const override { return Status::Ok(); }
  Result<std::string> Run(JobContext& ctx) override {
    ctx.ReportProgress(12.5, "an eighth");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!ctx.Cancelled() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status::Cancelled("cancelled");
  }
};

class WorkerPoolTest : public RuntimeFixture {
 protected:
  int64_t CountInState(JobState state) {
    Result<std::map<JobState, int64_t>> counts = store_->JobCountByState();
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    if (!counts.ok()) return -1;
    auto it = counts->find(state);
    return it == counts->end() ? 0 : it->second;
  }

  // Polls `pred` until it holds or kWaitDeadline passes (no timing assertion: the deadline only
  // bounds a failing test).
  void WaitUntil(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
    while (!pred() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  void WaitUntilIdle(int n) {
    WaitUntil([&] { return pool_->GetStats().idle == n; });
    ASSERT_EQ(pool_->GetStats().idle, n);
  }

  int CountTransitionsTo(const std::string& id, JobState state) {
    int n = 0;
    for (const JobEvent& e : MustEvents(id)) n += e.to == state;
    return n;
  }
};

TEST_F(WorkerPoolTest, SubmittedJobSucceedsWithItsResult) {
  StartRuntime();
  Job job = MustSubmit(Spec("square_sum", R"({"data": [1, 2, 3]})"));
  Job done = WaitForState(job.id, JobState::kSucceeded);
  EXPECT_EQ(done.result.value_or(""), "14");
  EXPECT_EQ(done.attempt, 1);
  EXPECT_TRUE(done.finished_at.has_value());
  pool_->Stop();  // the counter moves just after the commit; Stop waits for it
  EXPECT_EQ(pool_->GetStats().completed, 1);
}

TEST_F(WorkerPoolTest, ManyJobsAllSucceed) {
  StartRuntime();
  std::vector<JobSpec> specs;
  for (int i = 0; i < 500; ++i) specs.push_back(Spec("cube_sum", "{\"data\": [" + std::to_string(i) + "]}"));
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (size_t i = 0; i < r->size(); ++i) {
    Job done = WaitForState((*r)[i].job.id, JobState::kSucceeded);
    EXPECT_EQ(done.result.value_or(""), std::to_string(int64_t(i) * i * i));
  }
  pool_->Stop();
  EXPECT_EQ(pool_->GetStats().completed, 500);
}

TEST_F(WorkerPoolTest, RetryableFailuresRetryUntilTheJobSucceeds) {
  StartRuntime();
  Job job = MustSubmit(Spec("fail", R"({"times": 2})"));
  Job done = WaitForState(job.id, JobState::kSucceeded);
  EXPECT_EQ(done.attempt, 3);
  EXPECT_EQ(done.result.value_or(""), R"({"attempts":3})");
  EXPECT_EQ(CountTransitionsTo(job.id, JobState::kRetrying), 2);
  pool_->Stop();
  EXPECT_EQ(pool_->GetStats().failed_attempts, 2);
  EXPECT_EQ(pool_->GetStats().completed, 1);
}

TEST_F(WorkerPoolTest, NonRetryableFailureFailsAtOnce) {
  StartRuntime();
  Job job = MustSubmit(Spec("fail", R"({"retryable": false, "message": "bad input"})"));
  Job done = WaitForState(job.id, JobState::kFailed);
  EXPECT_EQ(done.attempt, 1);
  EXPECT_EQ(done.error.value_or(""), "bad input");
  EXPECT_EQ(CountTransitionsTo(job.id, JobState::kRetrying), 0);
}

TEST_F(WorkerPoolTest, ExhaustedAttemptsEndFailed) {
  StartRuntime();
  JobSpec spec = Spec("fail", R"({"message": "always"})");
  spec.max_attempts = 3;
  Job job = MustSubmit(spec);
  Job done = WaitForState(job.id, JobState::kFailed);
  EXPECT_EQ(done.attempt, 3);
  EXPECT_EQ(done.error.value_or(""), "always");
  EXPECT_EQ(CountTransitionsTo(job.id, JobState::kRetrying), 2);
}

TEST_F(WorkerPoolTest, ThrownExceptionIsARetryableFailureWithItsMessage) {
  registry_.Register(std::make_unique<ThrowingHandler>());
  StartRuntime();
  JobSpec spec = Spec("throws", "{}");
  spec.max_attempts = 2;
  Job job = MustSubmit(spec);
  Job done = WaitForState(job.id, JobState::kFailed);
  EXPECT_EQ(done.attempt, 2);
  EXPECT_EQ(done.error.value_or(""), "kaput");
}

TEST_F(WorkerPoolTest, CancelWaitingJob) {
  JobSpec spec = Spec("noop", "{}");
  spec.run_at = SystemClock::Default()->NowMs() + 3'600'000;
  StartRuntime();
  Job job = MustSubmit(spec);
  Result<Job> r = service_->Cancel(job.id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, JobState::kCancelled);
}

TEST_F(WorkerPoolTest, CancelRunningSleepJob) {
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 3600})"));
  WaitForState(job.id, JobState::kRunning);
  Result<Job> r = service_->Cancel(job.id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->cancel_requested);
  Job done = WaitForState(job.id, JobState::kCancelled);
  EXPECT_FALSE(done.lease.has_value());
  EXPECT_EQ(pool_->GetStats().failed_attempts, 0);
}

TEST_F(WorkerPoolTest, CancelFromAnotherProcessReachesTheHandlerThroughTheHeartbeat) {
  config_.lease_ms = 300;  // heartbeats every 100 ms
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 3600})"));
  WaitForState(job.id, JobState::kRunning);
  // Straight to the store, as another node's API would: the pool is not told directly.
  ASSERT_TRUE(store_->JobCancel({.id = job.id, .now = SystemClock::Default()->NowMs()}).ok());
  WaitForState(job.id, JobState::kCancelled);
}

TEST_F(WorkerPoolTest, TimeoutIsRetriedThenFails) {
  StartRuntime();
  JobSpec spec = Spec("sleep", R"({"seconds": 3600})");
  spec.timeout_s = 1;
  spec.max_attempts = 2;
  Job job = MustSubmit(spec);
  Job done = WaitForState(job.id, JobState::kFailed);
  EXPECT_EQ(done.attempt, 2);
  EXPECT_EQ(done.error.value_or(""), "timed out after 1 s");
  EXPECT_EQ(CountTransitionsTo(job.id, JobState::kRetrying), 1);
}

TEST_F(WorkerPoolTest, ScheduledJobRunsWhenDueWithoutANotify) {
  // A rescue interval far beyond the test's deadline: only the run_at timer can wake the worker.
  config_.rescue_interval_ms = 3'600'000;
  StartRuntime();
  JobSpec spec = Spec("noop", "{}");
  spec.run_at = SystemClock::Default()->NowMs() + 200;
  Job job = MustSubmit(spec);
  EXPECT_EQ(job.state, JobState::kScheduled);
  Job done = WaitForState(job.id, JobState::kSucceeded);
  EXPECT_GE(*done.started_at, *spec.run_at);
}

TEST_F(WorkerPoolTest, ProgressReachesTheStoreWhileRunning) {
  config_.lease_ms = 300;
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 3})"));
  Job seen = WaitFor(job.id, [](const Job& j) { return j.progress > 0 || IsTerminal(j.state); });
  EXPECT_EQ(seen.state, JobState::kRunning);
  EXPECT_GT(seen.progress, 0);
  EXPECT_EQ(seen.message.value_or(""), "sleeping");
  service_->Cancel(job.id);
}

TEST_F(WorkerPoolTest, HandlersFractionalProgressReachesTheStoreUnrounded) {
  registry_.Register(std::make_unique<FractionalProgressHandler>());
  config_.lease_ms = 300;
  StartRuntime();
  Job job = MustSubmit(Spec("fraction", "{}"));
  Job seen = WaitFor(job.id, [](const Job& j) { return j.progress > 0 || IsTerminal(j.state); });
  EXPECT_EQ(seen.state, JobState::kRunning);
  EXPECT_EQ(seen.progress, 12.5);
  EXPECT_EQ(seen.message.value_or(""), "an eighth");
  service_->Cancel(job.id);
  WaitForState(job.id, JobState::kCancelled);
}

TEST_F(WorkerPoolTest, LeaseIsRenewedForJobsLongerThanTheLease) {
  config_.lease_ms = 300;
  config_.rescue_interval_ms = 50;  // an unrenewed lease would be rescued at once
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 1.5})"));
  Job done = WaitForState(job.id, JobState::kSucceeded);
  EXPECT_EQ(done.attempt, 1);
  EXPECT_EQ(CountTransitionsTo(job.id, JobState::kRetrying), 0);
}

TEST_F(WorkerPoolTest, SlowJobsClaimedTogetherSpreadOverIdleWorkers) {
  StartRuntime();
  // One submit, one Notify: a single worker claims all three in one batch. After the first turns
  // out slow, the other two must be handed back so the idle worker runs one alongside.
  std::vector<JobSpec> specs(3, Spec("sleep", R"({"seconds": 0.5})"));
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok());
  WaitForRunningHandlers(2);
  for (const InsertOutcome& o : *r) {
    Job done = WaitForState(o.job.id, JobState::kSucceeded);
    EXPECT_EQ(done.attempt, 1);  // a release costs no attempt
  }
}

// Finding 8: one worker used to claim a whole batch and hold it RUNNING while the other idled.
TEST_F(WorkerPoolTest, IdleWorkersEachStartAJobFromOneBatch) {
  config_.shutdown_grace_ms = 100;
  StartRuntime();
  WaitUntilIdle(2);
  std::vector<JobSpec> specs(2, Spec("sleep", R"({"seconds": 3600})"));
  ASSERT_TRUE(service_->Submit(specs).ok());
  WaitForRunningHandlers(2);
  EXPECT_EQ(pool_->GetStats().claims, 1);  // one store call for both idle workers
  EXPECT_EQ(CountInState(JobState::kRunning), 2);
}

// RUNNING with started_at must mean a worker runs it: claimed jobs that no worker can start
// (every worker busy) go back to PENDING, even when fast jobs before made claims large.
TEST_F(WorkerPoolTest, ClaimedJobIsStartedAtOnce) {
  config_.shutdown_grace_ms = 100;
  StartRuntime();
  std::vector<JobSpec> warm(50, Spec("noop", "{}"));
  Result<std::vector<InsertOutcome>> w = service_->Submit(warm);
  ASSERT_TRUE(w.ok());
  for (const InsertOutcome& o : *w) WaitForState(o.job.id, JobState::kSucceeded);
  std::vector<JobSpec> specs(4, Spec("sleep", R"({"seconds": 3600})"));
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok());
  WaitForRunningHandlers(2);
  WaitUntil([&] { return CountInState(JobState::kPending) == 2; });
  EXPECT_EQ(CountInState(JobState::kRunning), 2);
  EXPECT_EQ(pool_->GetStats().running, 2);
  for (const InsertOutcome& o : *r) {
    const Job job = MustGet(o.job.id);
    if (job.state != JobState::kPending) continue;
    EXPECT_EQ(job.attempt, 0);
    EXPECT_FALSE(job.started_at.has_value());
  }
}

// The reproduction of finding 8: four 1 s jobs on two workers pair up (two, then two), so the
// second pair starts when the first pair ends, never after a third job.
TEST_F(WorkerPoolTest, FourSlowJobsOnTwoWorkersRunTwoByTwo) {
  StartRuntime();
  WaitUntilIdle(2);
  std::vector<JobSpec> specs(4, Spec("sleep", R"({"seconds": 1})"));
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok());
  WaitForRunningHandlers(2);
  // While the first pair runs, the other two wait unclaimed.
  EXPECT_EQ(CountInState(JobState::kPending), 2);
  for (const InsertOutcome& o : *r) WaitForState(o.job.id, JobState::kSucceeded);
  EXPECT_EQ(pool_->GetStats().handed_back, 0);
}

TEST_F(WorkerPoolTest, StopIsIdempotentAndFineBeforeStart) {
  WorkerPool never_started(*store_, registry_, *SystemClock::Default(), config_);
  never_started.Stop();
  never_started.Stop();
  StartRuntime();
  pool_->Stop();
  pool_->Stop();
}

TEST_F(WorkerPoolTest, StopReleasesAJobThatOutlivesTheGracePeriod) {
  config_.shutdown_grace_ms = 100;
  config_.workers = 1;
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 3600})"));
  WaitForRunningHandlers(1);
  pool_->Stop();  // returns once the handler honoured the cancellation
  Job after = MustGet(job.id);
  EXPECT_EQ(after.state, JobState::kPending);
  EXPECT_FALSE(after.lease.has_value());
  EXPECT_EQ(after.attempt, 0);  // a release costs no attempt
}

TEST_F(WorkerPoolTest, StopReleasesClaimedJobsThatNeverStarted) {
  config_.workers = 1;
  config_.shutdown_grace_ms = 100;
  StartRuntime();
  // The single worker is handed the hour-long one; the other waits PENDING (or claimed, unstarted).
  std::vector<JobSpec> specs{Spec("sleep", R"({"seconds": 3600})"), Spec("noop", "{}")};
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok());
  WaitForRunningHandlers(1);
  pool_->Stop();
  for (const InsertOutcome& o : *r) {
    Job after = MustGet(o.job.id);
    EXPECT_EQ(after.state, JobState::kPending) << o.job.type;
    EXPECT_EQ(after.attempt, 0) << o.job.type;
  }
}

TEST_F(WorkerPoolTest, StopLetsShortJobsFinishWithinTheGracePeriod) {
  config_.workers = 1;
  StartRuntime();
  Job job = MustSubmit(Spec("sleep", R"({"seconds": 0.3})"));
  WaitForRunningHandlers(1);
  pool_->Stop();
  EXPECT_EQ(MustGet(job.id).state, JobState::kSucceeded);
}

}  // namespace
}  // namespace conveyor
