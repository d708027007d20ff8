// Store conformance, part 12: the live event feed's reads. JobEventsAfter returns every job's
// transitions in seq order after a cursor, each with its job's columns, a page at a time;
// JobEventsLastSeq is the newest seq and survives a reopen (a client resumes after a restart);
// JobRunningProgress lists RUNNING jobs' progress only. Included by store_conformance.h.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreEventsConformance : public StoreTest<Factory> {
 protected:
  std::vector<JobEventRow> After(int64_t seq, int limit = 100) {
    return MustOk(this->store().JobEventsAfter(seq, limit), "events after");
  }
  int64_t LastSeq() { return MustOk(this->store().JobEventsLastSeq(), "last seq"); }
};

TYPED_TEST_SUITE_P(StoreEventsConformance);

// (job id, to state) of each row, in order.
inline std::vector<std::pair<std::string, JobState>> Transitions(
    const std::vector<JobEventRow>& rows) {
  std::vector<std::pair<std::string, JobState>> out;
  for (const JobEventRow& r : rows) out.emplace_back(r.job_id, r.event.to);
  return out;
}

TYPED_TEST_P(StoreEventsConformance, AnEmptyStoreHasNoEvents) {
  EXPECT_EQ(this->LastSeq(), 0);
  EXPECT_TRUE(this->After(0).empty());
}

TYPED_TEST_P(StoreEventsConformance, EveryTransitionOfEveryJobInSeqOrderWithItsJob) {
  Job a = MakeJob({.type = "email", .queue = "mail"});
  a.correlation_id = "corr-a";
  a.tenant = "acme";
  const Job b = MakeJob({.type = "report"});
  MustInsertMany(this->store(), {a, b});
  const auto claim = MustOk(this->store().JobClaim({.worker_id = "w1",
                                                    .max = 1,
                                                    .now = kT0,
                                                    .lease_ms = 30000,
                                                    .queues = {"mail"}}),
                            "claim");
  ASSERT_EQ(claim.size(), 1u);
  const Job& claimed = claim.front();
  ASSERT_EQ(claimed.id, a.id);
  MustOk(this->store().JobCompleteMany(
             {.completions = {{.id = a.id, .lease_token = claimed.lease->token, .result = "{}"}},
              .now = kT0 + 5}),
         "complete");
  MustOk(this->store().JobCancel({.id = b.id, .now = kT0 + 6}), "cancel");

  const std::vector<JobEventRow> rows = this->After(0);
  using P = std::pair<std::string, JobState>;
  EXPECT_THAT(Transitions(rows),
              ::testing::ElementsAre(P{a.id, JobState::kPending}, P{b.id, JobState::kPending},
                                     P{a.id, JobState::kRunning}, P{a.id, JobState::kSucceeded},
                                     P{b.id, JobState::kCancelled}));
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_GT(rows[i].seq, rows[i - 1].seq);
  EXPECT_EQ(rows.back().seq, this->LastSeq());
  const JobEventRow& done = rows[3];
  EXPECT_EQ(done.event.from, JobState::kRunning);
  EXPECT_EQ(done.event.attempt, 1);
  EXPECT_EQ(done.event.at, kT0 + 5);
  EXPECT_EQ(done.type, "email");
  EXPECT_EQ(done.queue, "mail");
  EXPECT_EQ(done.tenant, "acme");
  EXPECT_EQ(done.correlation_id, "corr-a");
  EXPECT_FALSE(rows[0].event.from.has_value());
  EXPECT_EQ(rows[1].tenant, "");
  EXPECT_FALSE(rows[1].correlation_id.has_value());
}

TYPED_TEST_P(StoreEventsConformance, PagesFollowTheCursorAndTheLimitIsBounded) {
  for (int i = 0; i < 5; ++i) MustInsert(this->store());
  const std::vector<JobEventRow> first = this->After(0, 2);
  ASSERT_EQ(first.size(), 2u);
  const std::vector<JobEventRow> rest = this->After(first.back().seq, 10);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_GT(rest.front().seq, first.back().seq);
  EXPECT_TRUE(this->After(this->LastSeq()).empty());
  for (int bad : {0, -1, kMaxJobEventsRead + 1}) {
    EXPECT_EQ(this->store().JobEventsAfter(0, bad).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(this->store().JobRunningProgress(0).status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreEventsConformance, TheCursorSurvivesAReopen) {
  MustInsert(this->store());
  const int64_t last = this->LastSeq();
  this->Reopen();
  EXPECT_EQ(this->LastSeq(), last);
  const Job later = MustInsert(this->store());
  const std::vector<JobEventRow> rows = this->After(last);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].job_id, later.id);
}

TYPED_TEST_P(StoreEventsConformance, RunningProgressListsRunningJobsOnly) {
  MustInsert(this->store());
  MustInsert(this->store());
  const Job running = MustClaim(this->store(), 1).front();
  MustOk(this->store().JobHeartbeat({.id = running.id,
                                     .lease_token = running.lease->token,
                                     .lease_expires_at = kT0 + 60000,
                                     .progress = 42.5,
                                     .message = "halfway",
                                     .current_step = "parse",
                                     .now = kT0 + 10}),
         "heartbeat");
  const auto rows = MustOk(this->store().JobRunningProgress(10), "progress");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].job_id, running.id);
  EXPECT_DOUBLE_EQ(rows[0].progress, 42.5);
  EXPECT_EQ(rows[0].message, "halfway");
  EXPECT_EQ(rows[0].current_step, "parse");
  EXPECT_EQ(rows[0].updated_at, kT0 + 10);
}

REGISTER_TYPED_TEST_SUITE_P(StoreEventsConformance, AnEmptyStoreHasNoEvents,
                            EveryTransitionOfEveryJobInSeqOrderWithItsJob,
                            PagesFollowTheCursorAndTheLimitIsBounded, TheCursorSurvivesAReopen,
                            RunningProgressListsRunningJobsOnly);

}  // namespace conveyor::testing
