#include "runtime/maintenance/lease_rescuer.h"

#include <gtest/gtest.h>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

class LeaseRescuerTest : public RuntimeFixture {
 protected:
  // A job claimed by a worker that then vanished, with a lease of `lease_ms` from `now`.
  Job MustClaimAsDeadWorker(TimeMs now, TimeMs lease_ms) {
    Result<std::vector<Job>> claimed = store_->JobClaim(
        {.worker_id = "dead-node/w0", .max = 1, .now = now, .lease_ms = lease_ms});
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    EXPECT_EQ(claimed.ok() ? claimed->size() : 0u, 1u);
    return claimed.ok() && !claimed->empty() ? claimed->front() : Job{};
  }
};

TEST_F(LeaseRescuerTest, RescueOnceReturnsExpiredLeasesOnly) {
  ManualClock clock(1'800'000'000'000);
  config_.workers = 0;
  StartRuntime(clock);
  Job job = MustSubmit(Spec("noop", "{}"));
  MustClaimAsDeadWorker(clock.NowMs(), 1000);
  LeaseRescuer rescuer(*store_, clock, config_);
  EXPECT_EQ(rescuer.RescueOnce(), 0);  // lease still valid
  clock.Advance(1001);
  EXPECT_EQ(rescuer.RescueOnce(), 1);
  Job after = MustGet(job.id);
  EXPECT_EQ(after.state, JobState::kRetrying);
  EXPECT_FALSE(after.lease.has_value());
  rescuer.Stop();  // never started: fine
}

TEST_F(LeaseRescuerTest, PoolRescuesAndRunsAJobWhoseWorkerDied) {
  config_.workers = 0;
  StartRuntime();
  Job job = MustSubmit(Spec("square_sum", R"({"data": [3, 4]})"));
  MustClaimAsDeadWorker(SystemClock::Default()->NowMs(), 1);  // expires at once
  config_.workers = 2;
  config_.rescue_interval_ms = 50;
  StartRuntime();
  Job done = WaitForState(job.id, JobState::kSucceeded);
  EXPECT_EQ(done.result.value_or(""), "25");
  EXPECT_EQ(done.attempt, 2);  // the dead worker's attempt counted
}

}  // namespace
}  // namespace conveyor
