// Dependencies inside one submitted batch (runtime/batch_dependencies.h) through JobService on a
// real SQLite store: "$n" becomes the id of the batch's n-th job, a replay of the same batch
// matches its originals, and references outside the batch or to the job itself are refused.
#include "runtime/batch_dependencies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/job_service.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

using ::testing::HasSubstr;

class BatchDependenciesTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;  // no pool: jobs stay where the store put them
    StartRuntime(clock_);
  }
  JobSpec Dependent(std::vector<std::string> depends_on) {
    JobSpec spec = Spec("noop", "{}");
    spec.depends_on = std::move(depends_on);
    return spec;
  }
  ManualClock clock_{1'800'000'000'000};
};

TEST_F(BatchDependenciesTest, BatchReferencesBecomeTheIdsOfTheBatchJobs) {
  auto out = service_->Submit({Spec("noop", "{}"), Dependent({"$0"}), Dependent({"$1", "$0"})});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::string a = (*out)[0].job.id;
  const std::string b = (*out)[1].job.id;
  EXPECT_EQ((*out)[0].job.state, JobState::kPending);
  EXPECT_EQ((*out)[1].job.state, JobState::kBlocked);
  EXPECT_EQ((*out)[1].job.depends_on, std::vector<std::string>{a});
  EXPECT_EQ((*out)[2].job.depends_on, (std::vector<std::string>{b, a}));
  EXPECT_EQ(store_->JobGet((*out)[2].job.id)->state, JobState::kBlocked);
}

TEST_F(BatchDependenciesTest, AReplayedBatchWithReferencesReturnsItsOriginals) {
  JobSpec first = Spec("noop", "{}");
  first.idempotency_key = "chain-1";
  JobSpec second = Dependent({"$0"});
  second.idempotency_key = "chain-2";
  auto out = service_->Submit({first, second});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  clock_.Advance(1000);
  auto again = service_->Submit({first, second});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE((*again)[0].is_new);
  EXPECT_FALSE((*again)[1].is_new);
  EXPECT_EQ((*again)[1].job.id, (*out)[1].job.id);
  EXPECT_EQ((*again)[1].job.depends_on, std::vector<std::string>{(*out)[0].job.id});
}

TEST_F(BatchDependenciesTest, ReferencesOutsideTheBatchOrToItselfAreRefused) {
  auto out = service_->Submit({Spec("noop", "{}"), Dependent({"$2"})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("jobs[1].depends_on[0] refers to $2"));
  out = service_->Submit({Spec("noop", "{}"), Dependent({"$1"})});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("a job may not depend on itself"));
  out = service_->Submit({Dependent({"$1"}), Dependent({"$0"})});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("depends_on forms a cycle"));
  EXPECT_TRUE(IsBatchReference("$0"));
  EXPECT_FALSE(IsBatchReference("$"));
  EXPECT_FALSE(IsBatchReference("$-1"));
  EXPECT_FALSE(IsBatchReference("$99999"));
}

// A completion that releases a dependent wakes the worker pool: the released job is claimed at
// once, not when the claimer's idle sleep ends (here a minute, beyond the 20 s deadline).
class ReleasedDependentsTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 1;
    config_.rescue_interval_ms = 60'000;  // the idle claimer's longest sleep
    StartRuntime();
  }
};

TEST_F(ReleasedDependentsTest, AReleasedDependentIsClaimedWithoutWaitingForTheIdleSleep) {
  JobSpec first = Spec("sleep", R"({"seconds": 0.2})");
  JobSpec second = Spec("noop", "{}");
  second.depends_on = {"$0"};
  JobSpec third = Spec("noop", "{}");
  third.depends_on = {"$1"};
  auto out = service_->Submit({first, second, third});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Job done = WaitForState((*out)[2].job.id, JobState::kSucceeded);
  EXPECT_GE(*done.started_at, *WaitForState((*out)[1].job.id, JobState::kSucceeded).finished_at);
}

}  // namespace
}  // namespace conveyor
