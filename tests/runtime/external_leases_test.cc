// ExternalLeases: the rules of leases held by workers in other processes — built-ins excluded
// unless named, lease extension remembered per token, cancel on fail, retry_in overriding the
// backoff — and its wake-up list, on a real SQLite store with a manual clock.
#include "runtime/work/external_leases.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/ids.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

class ExternalLeasesTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;  // nothing runs locally: only the test leases
    config_.lease_ms = 30'000;
    StartRuntime(clock_);
  }

  ExternalLeases& leases() { return *external_; }

  Job MustLeaseOne(const std::string& type, TimeMs lease_ms = 10'000) {
    Result<std::vector<Job>> jobs =
        leases().Claim({.worker_id = "w", .types = {type}, .max = 1, .lease_ms = lease_ms});
    EXPECT_TRUE(jobs.ok()) << jobs.status().ToString();
    EXPECT_EQ(jobs.ok() ? jobs->size() : 0u, 1u);
    return jobs.ok() && !jobs->empty() ? jobs->front() : Job{};
  }

  ManualClock clock_{1'800'000'000'000};
};

TEST_F(ExternalLeasesTest, BuiltinTypesAreLeasedOnlyWhenNamed) {
  const Job builtin = MustSubmit(Spec("noop", "{}"));
  const Job external = MustSubmit(Spec("ext.a", "{}"));
  Result<std::vector<Job>> any = leases().Claim({.worker_id = "w", .max = 10});
  ASSERT_TRUE(any.ok());
  ASSERT_EQ(any->size(), 1u);
  EXPECT_EQ(any->front().id, external.id);
  EXPECT_EQ(MustLeaseOne("noop").id, builtin.id);
}

TEST_F(ExternalLeasesTest, HeartbeatExtendsByTheLeaseGivenAtLeaseTime) {
  const Job job = MustSubmit(Spec("ext.b", "{}"));
  const Job leased = MustLeaseOne("ext.b", 4'000);
  clock_.Advance(1'000);
  Result<HeartbeatAnswer> beat = leases().Heartbeat(
      {.id = job.id, .lease_token = leased.lease->token, .progress = 20});
  ASSERT_TRUE(beat.ok()) << beat.status().ToString();
  EXPECT_EQ(beat->lease_expires_at, clock_.NowMs() + 4'000);
  EXPECT_FALSE(beat->cancel_requested);
  beat = leases().Heartbeat({.id = job.id, .lease_token = leased.lease->token, .lease_ms = 9'000});
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(beat->lease_expires_at, clock_.NowMs() + 9'000);
  EXPECT_EQ(MustGet(job.id).progress, 20);
}

TEST_F(ExternalLeasesTest, WrongTokenIsConflictAndUnknownJobNotFound) {
  const Job job = MustSubmit(Spec("ext.c", "{}"));
  MustLeaseOne("ext.c");
  EXPECT_EQ(leases().Complete(job.id, "wrong", "1").code(), StatusCode::kConflict);
  EXPECT_EQ(leases().Heartbeat({.id = job.id, .lease_token = "wrong"}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(leases().Fail({.id = job.id, .lease_token = "wrong"}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(MustGet(job.id).state, JobState::kRunning);
  const std::string missing = NewUuidV7(clock_.NowMs());
  EXPECT_EQ(leases().Complete(missing, "t", "1").code(), StatusCode::kNotFound);
  EXPECT_EQ(leases().Fail({.id = missing, .lease_token = "t"}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ExternalLeasesTest, RetryInOverridesTheBackoff) {
  const Job job = MustSubmit(Spec("ext.d", "{}"));
  const Job leased = MustLeaseOne("ext.d");
  Result<Job> after = leases().Fail({.id = job.id,
                                     .lease_token = leased.lease->token,
                                     .error = "later",
                                     .retryable = true,
                                     .retry_in_ms = 120'000});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->state, JobState::kRetrying);
  EXPECT_EQ(after->run_at, clock_.NowMs() + 120'000);
}

TEST_F(ExternalLeasesTest, FailAfterCancelRequestCancels) {
  const Job job = MustSubmit(Spec("ext.e", "{}"));
  const Job leased = MustLeaseOne("ext.e");
  ASSERT_TRUE(service_->Cancel(job.id).ok());
  Result<Job> after =
      leases().Fail({.id = job.id, .lease_token = leased.lease->token, .error = "stopped"});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->state, JobState::kCancelled);
}

TEST_F(ExternalLeasesTest, WatchersAreWokenBySubmitRetryAndShutdown) {
  std::atomic<int> wakes{0};
  const uint64_t id = leases().Watch([&] { ++wakes; });
  const Job job = MustSubmit(Spec("ext.f", "{}"));
  EXPECT_EQ(wakes.load(), 1);
  const Job leased = MustLeaseOne("ext.f");
  ASSERT_TRUE(leases().Fail({.id = job.id, .lease_token = leased.lease->token,
                             .retryable = false}).ok());
  ASSERT_TRUE(service_->Retry(job.id).ok());
  EXPECT_EQ(wakes.load(), 2);
  leases().Shutdown();
  EXPECT_EQ(wakes.load(), 3);
  EXPECT_TRUE(leases().IsShutdown());
  leases().Unwatch(id);
  MustSubmit(Spec("ext.f", "{}"));
  EXPECT_EQ(wakes.load(), 3);
}

}  // namespace
}  // namespace conveyor
