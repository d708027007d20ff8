#include "core/dialect.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(DialectTest, InterfaceNamesParseAndTheRoutePicksTheSuccessVariant) {
  for (Dialect d : {Dialect::kSucceeded, Dialect::kSuccess, Dialect::kSuccessPlain,
                    Dialect::kCompleted, Dialect::kQueued}) {
    EXPECT_EQ(ForRoute(*ParseDialect(RulesOf(d).name), d != Dialect::kSuccessPlain), d);
  }
  // Seed 003's dialect is named for its first word, "queued": its success is "succeeded".
  EXPECT_EQ(StatusName(Dialect::kQueued, JobState::kSucceeded), "succeeded");
  EXPECT_EQ(ParseDialect("COMPLETED"), Dialect::kCompleted);
  EXPECT_EQ(ParseDialect("success-plain"), std::nullopt);  // a stored name, not an interface one
  EXPECT_EQ(ParseDialect("done"), std::nullopt);
}

TEST(DialectTest, StoredNamesRoundTripAndUnknownOnesAreConveyors) {
  for (Dialect d : {Dialect::kSucceeded, Dialect::kSuccess, Dialect::kSuccessPlain,
                    Dialect::kCompleted, Dialect::kQueued}) {
    EXPECT_EQ(DialectFromStored(RulesOf(d).stored), d);
  }
  EXPECT_EQ(DialectFromStored("klingon"), Dialect::kSucceeded);
}

TEST(DialectTest, SeedVocabulariesEndEveryWaitWithSuccessOrFailed) {
  // A client looping "until SUCCESS or FAILED" must stop on every terminal state.
  for (JobState s : {JobState::kCancelled, JobState::kExpired, JobState::kFailed}) {
    EXPECT_EQ(StatusName(Dialect::kSuccess, s), "FAILED");
    EXPECT_EQ(StatusName(Dialect::kCompleted, s), "FAILED");
  }
  EXPECT_EQ(StatusName(Dialect::kCompleted, JobState::kRetrying), "PENDING");
  EXPECT_EQ(StatusName(Dialect::kSuccess, JobState::kRunning), "IN_PROGRESS");
  EXPECT_EQ(StatusName(Dialect::kQueued, JobState::kScheduled), "queued");
  EXPECT_EQ(StatusName(Dialect::kQueued, JobState::kCancelled), "cancelled");
  // Every word a dialect answers with is accepted back as a list filter.
  for (Dialect d :
       {Dialect::kSucceeded, Dialect::kSuccess, Dialect::kCompleted, Dialect::kQueued}) {
    for (std::string_view word : RulesOf(d).status) EXPECT_TRUE(ParseJobState(word)) << word;
  }
}

TEST(DialectTest, QueuedPrioritiesAreMirroredBothWays) {
  EXPECT_EQ(PriorityFor(Dialect::kQueued, 10), 1);
  EXPECT_EQ(PriorityFor(Dialect::kQueued, PriorityFor(Dialect::kQueued, 7)), 7);
  EXPECT_EQ(PriorityFor(Dialect::kCompleted, 3), 3);
}

}  // namespace
}  // namespace conveyor
