#include "runtime/maintenance/expirer.h"

#include <gtest/gtest.h>

#include <atomic>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

class ExpirerTest : public RuntimeFixture {
 protected:
  Job MustSubmitExpiring(TimeMs expires_at) {
    JobSpec spec = Spec("noop", "{}");
    spec.expires_at = expires_at;
    return MustSubmit(std::move(spec));
  }
};

TEST_F(ExpirerTest, ExpireOnceExpiresAWaitingJobOnlyOnceItsExpiryPassed) {
  ManualClock clock(1'800'000'000'000);
  config_.workers = 0;  // nothing runs the job: it waits
  StartRuntime(clock);
  const Job job = MustSubmitExpiring(clock.NowMs() + 1000);
  int woken = 0;
  Expirer expirer(*store_, clock, [&] { ++woken; });
  EXPECT_EQ(expirer.ExpireOnce(), 0);
  clock.Advance(999);
  EXPECT_EQ(expirer.ExpireOnce(), 0);
  EXPECT_EQ(woken, 0);
  clock.Advance(1);
  EXPECT_EQ(expirer.ExpireOnce(), 1);
  EXPECT_EQ(woken, 1);  // the node wakes its webhook dispatcher
  const Job after = MustGet(job.id);
  EXPECT_EQ(after.state, JobState::kExpired);
  EXPECT_EQ(after.finished_at, clock.NowMs());
  const std::vector<JobEvent> events = MustEvents(job.id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().to, JobState::kExpired);
  EXPECT_EQ(expirer.ExpireOnce(), 0);
}

// The started service expires on its own, at the expiry (well within the generous bound), and
// the claim guard keeps a worker pool from starting the job meanwhile.
TEST_F(ExpirerTest, StartedExpirerExpiresAJobThatNoWorkerStarted) {
  config_.workers = 0;
  StartRuntime();
  const Job job = MustSubmitExpiring(SystemClock::Default()->NowMs() + 300);
  std::atomic<int> woken{0};
  Expirer expirer(*store_, *SystemClock::Default(), [&] { ++woken; });
  expirer.Start();
  const Job after = WaitForState(job.id, JobState::kExpired);
  EXPECT_GE(after.finished_at.value_or(0), job.expires_at.value_or(0));
  expirer.Stop();
  EXPECT_EQ(woken.load(), 1);
}

TEST_F(ExpirerTest, MaintenanceExpiresJobsOfATypeNoWorkerServes) {
  config_.workers = 1;
  config_.external_types = {"ext.nobody"};  // declared, but no external worker comes
  StartRuntime();                           // the pool and Maintenance (with its Expirer) run
  JobSpec spec = Spec("ext.nobody", "{}");
  spec.expires_at = SystemClock::Default()->NowMs() + 200;
  const Job job = MustSubmit(std::move(spec));
  const Job after = WaitForState(job.id, JobState::kExpired);
  EXPECT_EQ(after.attempt, 0);  // never started
}

}  // namespace
}  // namespace conveyor
