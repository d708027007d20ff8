#include "core/job_state.h"

#include <gtest/gtest.h>

#include "core/dialect.h"

namespace conveyor {
namespace {

constexpr JobState kAll[] = {JobState::kScheduled, JobState::kPending,  JobState::kRunning,
                             JobState::kSucceeded, JobState::kRetrying, JobState::kFailed,
                             JobState::kCancelled, JobState::kExpired};

TEST(JobStateTest, NamesRoundTrip) {
  for (JobState s : kAll) EXPECT_EQ(ParseJobState(ToString(s)), s) << ToString(s);
}

TEST(JobStateTest, ParsesSeedAliasesCaseInsensitively) {
  EXPECT_EQ(ParseJobState("pending"), JobState::kPending);
  EXPECT_EQ(ParseJobState("queued"), JobState::kPending);
  EXPECT_EQ(ParseJobState("IN_PROGRESS"), JobState::kRunning);
  EXPECT_EQ(ParseJobState("processing"), JobState::kRunning);
  EXPECT_EQ(ParseJobState("running"), JobState::kRunning);
  EXPECT_EQ(ParseJobState("SUCCESS"), JobState::kSucceeded);
  EXPECT_EQ(ParseJobState("COMPLETED"), JobState::kSucceeded);
  EXPECT_EQ(ParseJobState("canceled"), JobState::kCancelled);
  EXPECT_FALSE(ParseJobState("DONE-ISH").has_value());
  EXPECT_FALSE(ParseJobState("").has_value());
}

TEST(JobStateTest, TerminalStatesAreExactlyTheFinalOnes) {
  EXPECT_TRUE(IsTerminal(JobState::kSucceeded));
  EXPECT_TRUE(IsTerminal(JobState::kFailed));
  EXPECT_TRUE(IsTerminal(JobState::kCancelled));
  EXPECT_TRUE(IsTerminal(JobState::kExpired));
  EXPECT_FALSE(IsTerminal(JobState::kRunning));
  EXPECT_FALSE(IsTerminal(JobState::kRetrying));
  EXPECT_FALSE(IsTerminal(JobState::kPending));
  EXPECT_FALSE(IsTerminal(JobState::kScheduled));
}

TEST(JobStateTest, SucceededIsFinalForever) {
  for (JobState s : kAll) EXPECT_FALSE(CanTransition(JobState::kSucceeded, s)) << ToString(s);
}

TEST(JobStateTest, OnlyRunningJobsFinish) {
  for (JobState s : kAll) {
    EXPECT_EQ(CanTransition(s, JobState::kSucceeded), s == JobState::kRunning) << ToString(s);
  }
}

TEST(JobStateTest, DeadLetterCanBeRedriven) {
  EXPECT_TRUE(CanTransition(JobState::kFailed, JobState::kPending));
  EXPECT_TRUE(CanTransition(JobState::kCancelled, JobState::kPending));
  EXPECT_TRUE(CanTransition(JobState::kExpired, JobState::kPending));
  EXPECT_FALSE(CanTransition(JobState::kFailed, JobState::kRunning));
}

TEST(JobStateTest, WaitingJobsCanBeCancelledOrClaimed) {
  for (JobState s : {JobState::kScheduled, JobState::kPending, JobState::kRetrying}) {
    EXPECT_TRUE(IsWaiting(s));
    EXPECT_TRUE(CanTransition(s, JobState::kCancelled));
    EXPECT_TRUE(CanTransition(s, JobState::kRunning));
  }
  EXPECT_FALSE(IsWaiting(JobState::kRunning));
}

TEST(JobStateTest, BlockedWaitsOnDependenciesAndIsNeitherClaimableNorTerminal) {
  EXPECT_EQ(ToString(JobState::kBlocked), "BLOCKED");
  EXPECT_EQ(ParseJobState("blocked"), JobState::kBlocked);
  EXPECT_FALSE(IsWaiting(JobState::kBlocked));  // no worker claims it
  EXPECT_FALSE(IsTerminal(JobState::kBlocked));
  EXPECT_TRUE(IsNotStarted(JobState::kBlocked));  // so it can be cancelled and it expires
  EXPECT_FALSE(CanTransition(JobState::kBlocked, JobState::kRunning));
  for (JobState to : {JobState::kPending, JobState::kScheduled, JobState::kCancelled,
                      JobState::kExpired}) {
    EXPECT_TRUE(CanTransition(JobState::kBlocked, to)) << ToString(to);
  }
  // Each dialect has a word for it: the seeds' waiting word, or Conveyor's own.
  EXPECT_EQ(StatusName(Dialect::kSucceeded, JobState::kBlocked), "BLOCKED");
  EXPECT_EQ(StatusName(Dialect::kSuccess, JobState::kBlocked), "PENDING");
  EXPECT_EQ(StatusName(Dialect::kCompleted, JobState::kBlocked), "PENDING");
  EXPECT_EQ(StatusName(Dialect::kQueued, JobState::kBlocked), "queued");
}

}  // namespace
}  // namespace conveyor
