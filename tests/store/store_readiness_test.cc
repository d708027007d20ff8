// StoreReadiness on its own, with an injected clock and a probe that the test answers by hand
// (the probe is the class's marked seam; the real stores' probes are tested on real files and a
// real PostgreSQL in sqlite_write_failure_test.cc and the conformance suite).
#include "store/store_readiness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace conveyor {
namespace {

using ::testing::HasSubstr;

class StoreReadinessTest : public ::testing::Test {
 protected:
  StoreReadinessTest() : readiness_([this] { return now_; }) {
    readiness_.SetProbe([this](StoreReadiness::ProbeDone done) { probes_.push_back(done); });
  }
  int64_t now_ = 1'000'000;
  std::vector<StoreReadiness::ProbeDone> probes_;  // one per probe started, unanswered
  StoreReadiness readiness_;
};

TEST_F(StoreReadinessTest, FailedWriteMakesItUnavailableUntilAWriteSucceeds) {
  readiness_.RecordWrite(Status::Ok());
  EXPECT_TRUE(readiness_.Check().ok());
  readiness_.RecordWrite(Status::Unavailable("database is locked"));
  const Status s = readiness_.Check();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("database is locked"));
  readiness_.RecordWrite(Status::Ok());
  EXPECT_TRUE(readiness_.Check().ok());
}

TEST_F(StoreReadinessTest, FreshSuccessNeedsNoProbe) {
  readiness_.RecordWrite(Status::Ok());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(readiness_.Check().ok());
  EXPECT_TRUE(probes_.empty()) << "a polled /ready must not write while writes succeed";
}

TEST_F(StoreReadinessTest, WhileFailingProbesAtMostOncePerIntervalAndRecoversOnProbeSuccess) {
  readiness_.RecordWrite(Status::Unavailable("database is locked"));
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(readiness_.Check().ok());
  ASSERT_EQ(probes_.size(), 1u) << "one probe in flight at a time";
  probes_[0](Status::Unavailable("database is locked"));
  EXPECT_FALSE(readiness_.Check().ok());
  EXPECT_EQ(probes_.size(), 1u) << "no new probe within kProbeEveryMs";
  now_ += StoreReadiness::kProbeEveryMs;
  EXPECT_FALSE(readiness_.Check().ok());
  ASSERT_EQ(probes_.size(), 2u);
  probes_[1](Status::Ok());
  EXPECT_TRUE(readiness_.Check().ok());
}

TEST_F(StoreReadinessTest, IdleStoreIsProbedAndAFailedProbeMakesItUnavailable) {
  readiness_.RecordWrite(Status::Ok());
  now_ += StoreReadiness::kFreshMs;
  EXPECT_TRUE(readiness_.Check().ok());  // the last known state, while the probe runs
  ASSERT_EQ(probes_.size(), 1u);
  probes_[0](Status::Unavailable("PostgreSQL is unreachable"));
  EXPECT_THAT(readiness_.Check().message(), HasSubstr("unreachable"));
}

TEST_F(StoreReadinessTest, AProbeThatNeverFinishesMakesItUnavailable) {
  readiness_.RecordWrite(Status::Ok());
  now_ += StoreReadiness::kFreshMs;
  EXPECT_TRUE(readiness_.Check().ok());
  ASSERT_EQ(probes_.size(), 1u);
  now_ += StoreReadiness::kProbeStuckMs;
  const Status s = readiness_.Check();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("has not finished"));
  probes_[0](Status::Ok());
  EXPECT_TRUE(readiness_.Check().ok());
}

TEST_F(StoreReadinessTest, NoWriteYetIsUnavailableAndProbes) {
  EXPECT_EQ(readiness_.Check().code(), StatusCode::kUnavailable);
  ASSERT_EQ(probes_.size(), 1u);
  probes_[0](Status::Ok());
  EXPECT_TRUE(readiness_.Check().ok());
}

}  // namespace
}  // namespace conveyor
