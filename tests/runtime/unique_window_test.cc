// JobService's part of unique windows and delay: the configured key window reaches the store
// (a resubmit after it makes a new job, inside it replays), and `delay` becomes run_at, part of
// the request's fingerprint. The store's rules are in tests/store/store_conformance_unique.h.
#include <gtest/gtest.h>

#include "runtime/job_service.h"
#include "runtime/submit_validator.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

class UniqueWindowTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;  // no pool: jobs stay where the service put them
    config_.idempotency_window_ms = 2000;
    StartRuntime(clock_);
  }

  InsertOutcome MustSubmit(JobSpec spec) {
    Result<std::vector<InsertOutcome>> r = service_->Submit({std::move(spec)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->front() : InsertOutcome{};
  }

  JobSpec Keyed(const std::string& key) {
    JobSpec spec = Spec("noop", "{}");
    spec.idempotency_key = key;
    return spec;
  }

  ManualClock clock_{1'800'000'000'000};
};

TEST_F(UniqueWindowTest, ResubmitAfterTheConfiguredWindowMakesANewJob) {
  const InsertOutcome first = MustSubmit(Keyed("order-1"));
  clock_.Advance(1999);
  const InsertOutcome replay = MustSubmit(Keyed("order-1"));
  EXPECT_FALSE(replay.is_new);
  EXPECT_EQ(replay.job.id, first.job.id);
  clock_.Advance(1);
  const InsertOutcome later = MustSubmit(Keyed("order-1"));
  EXPECT_TRUE(later.is_new);
  EXPECT_NE(later.job.id, first.job.id);
}

TEST_F(UniqueWindowTest, DelaySchedulesTheJobThatManySecondsFromNow) {
  JobSpec spec = Spec("noop", "{}");
  spec.delay_s = 2.5;
  Result<Job> job = service_->BuildJob(spec, clock_.NowMs());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->state, JobState::kScheduled);
  EXPECT_EQ(job->run_at, clock_.NowMs() + 2500);
  spec.delay_s = 0;
  EXPECT_EQ(service_->BuildJob(spec, clock_.NowMs())->state, JobState::kPending);
}

TEST_F(UniqueWindowTest, SameDelayReplaysAndAnotherDelayConflicts) {
  JobSpec spec = Keyed("delayed");
  spec.delay_s = 60;
  const InsertOutcome first = MustSubmit(spec);
  clock_.Advance(500);  // the same request later: same fingerprint, though run_at would move
  EXPECT_EQ(MustSubmit(spec).job.id, first.job.id);
  spec.delay_s = 61;
  EXPECT_EQ(service_->Submit({spec}).status().code(), StatusCode::kConflict);
  JobSpec plain = Keyed("plain");
  const std::string before = service_->BuildJob(plain, clock_.NowMs())->request_hash;
  plain.delay_s = 0;
  EXPECT_NE(service_->BuildJob(plain, clock_.NowMs())->request_hash, before);
}

TEST(DelayRuleTest, DelayIsAYearAtMostNeverNegativeAndNotBesideRunAt) {
  HandlerRegistry registry;
  RegisterBuiltinHandlers(registry);
  const TypeCatalog types(registry, {});
  const TimeMs now = 1'800'000'000'000;
  JobSpec spec{.type = "noop"};
  auto message = [&] { return ValidateSubmitSpec(spec, types, now, "").message(); };
  for (double bad : {-1.0, -0.001, 31536000.5, 1e300}) {
    spec.delay_s = bad;
    EXPECT_EQ(message().rfind("delay must be a number of seconds from 0 to 31536000", 0), 0u)
        << message();
  }
  spec.delay_s = 31536000;
  EXPECT_EQ(message(), "");
  spec.run_at = now + 1000;
  EXPECT_EQ(message().rfind("delay cannot be given with run_at or scheduled_at", 0), 0u);
  spec.run_at.reset();
  spec.delay_s = 10;
  spec.expires_at = now + 5000;
  EXPECT_EQ(message(), "expires_at must be later than now + delay");
}

}  // namespace
}  // namespace conveyor
