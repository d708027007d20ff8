// Store conformance, part 4: what issue 10 added to the jobs table — the dialect a job was
// submitted in (every insert path, idempotent replays), fractional progress, and the statistics
// read behind GET /admin/stats. Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <utility>
#include <vector>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

inline constexpr Dialect kEveryDialect[] = {Dialect::kSucceeded, Dialect::kSuccess,
                                            Dialect::kSuccessPlain, Dialect::kCompleted,
                                            Dialect::kQueued};

inline Job MakeJobIn(Dialect dialect, const JobOptions& o = {}) {
  Job j = MakeJob(o);
  j.dialect = dialect;
  return j;
}

// A FAILED job as the store would hold it after its last attempt.
inline Job MakeFailedJob(const std::string& type, int attempt, TimeMs finished_at) {
  Job j = MakeJob({.type = type, .state = JobState::kFailed});
  j.attempt = attempt;
  j.started_at = finished_at - 1;
  j.finished_at = finished_at;
  j.error = "error of attempt " + std::to_string(attempt);
  return j;
}

template <class Factory>
class StoreStatsConformance : public StoreTest<Factory> {
 protected:
  JobStats MustStats(JobStatsParams p = {}) {
    return MustOk(this->store().JobStatsGet(p), "stats");
  }
  Job MustRunning() {
    MustInsert(this->store());
    return MustClaim(this->store(), 1).at(0);
  }
};
TYPED_TEST_SUITE_P(StoreStatsConformance);

TYPED_TEST_P(StoreStatsConformance, DialectRoundTripsOnSingleInsertGetAndList) {
  for (Dialect d : kEveryDialect) {
    const Job j = MakeJobIn(d);
    MustInsertMany(this->store(), {j});
    EXPECT_EQ(MustGet(this->store(), j.id).dialect, d) << RulesOf(d).stored;
  }
  const JobPage page = MustOk(this->store().JobList({.limit = 10}), "list");
  ASSERT_EQ(page.jobs.size(), std::size(kEveryDialect));
  // Newest first: the last dialect inserted comes first.
  for (size_t i = 0; i < page.jobs.size(); ++i) {
    EXPECT_EQ(page.jobs[i].dialect, kEveryDialect[std::size(kEveryDialect) - 1 - i]);
  }
}

TYPED_TEST_P(StoreStatsConformance, DialectRoundTripsThroughABatchInsert) {
  // 70 jobs: SQLite writes a 64-row statement and then single rows; PostgreSQL one recordset.
  std::vector<Job> jobs;
  for (int i = 0; i < 70; ++i) jobs.push_back(MakeJobIn(kEveryDialect[i % 5]));
  const std::vector<Job> stored = MustInsertMany(this->store(), jobs);
  ASSERT_EQ(stored.size(), jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(stored[i].dialect, jobs[i].dialect) << i;
    EXPECT_EQ(MustGet(this->store(), jobs[i].id).dialect, jobs[i].dialect) << i;
  }
}

TYPED_TEST_P(StoreStatsConformance, DialectRoundTripsThroughCoalescedAsyncInserts) {
  // Concurrent async calls are merged into one transaction (the insert coalescer) where the
  // backend has one; each job must keep its own dialect all the same.
  std::vector<Job> jobs;
  std::vector<std::promise<Result<std::vector<InsertOutcome>>>> done(20);
  for (int i = 0; i < 20; ++i) jobs.push_back(MakeJobIn(kEveryDialect[i % 5]));
  for (int i = 0; i < 20; ++i) {
    this->store().JobInsertManyAsync({.jobs = {jobs[i]}, .now = kT0},
                                     [&done, i](auto r) { done[i].set_value(std::move(r)); });
  }
  for (int i = 0; i < 20; ++i) {
    auto r = done[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->at(0).job.dialect, jobs[i].dialect) << i;
    EXPECT_EQ(MustGet(this->store(), jobs[i].id).dialect, jobs[i].dialect) << i;
  }
}

TYPED_TEST_P(StoreStatsConformance, IdempotentReplayAnswersWithTheOriginalJobsDialect) {
  const Job original = MakeJobIn(Dialect::kQueued, {.idempotency_key = "k-queued"});
  MustInsertMany(this->store(), {original});
  // The replay names the same key and request; whatever dialect it carries, the stored job is
  // the answer, in the dialect it was submitted in.
  const Job replay = MakeJobIn(Dialect::kSucceeded, {.idempotency_key = "k-queued"});
  auto out = MustOk(this->store().JobInsertMany({.jobs = {replay}, .now = kT0 + 1}), "replay");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].is_new);
  EXPECT_EQ(out[0].job.id, original.id);
  EXPECT_EQ(out[0].job.dialect, Dialect::kQueued);
}

TYPED_TEST_P(StoreStatsConformance, FractionalProgressIsStoredAndReadBack) {
  Job inserted = MakeJob();
  inserted.progress = 12.25;
  MustInsertMany(this->store(), {inserted});
  EXPECT_EQ(MustGet(this->store(), inserted.id).progress, 12.25);

  const Job j = this->MustRunning();
  for (double p : {65.5, 40.0, 99.875, 0.1}) {
    MustOk(this->store().JobHeartbeat({.id = j.id,
                                       .lease_token = j.lease->token,
                                       .lease_expires_at = kT0 + 60000,
                                       .progress = p,
                                       .now = kT0 + 1}),
           "heartbeat");
    EXPECT_EQ(MustGet(this->store(), j.id).progress, p);
  }
  // Out of 0..100 is refused whatever the fraction, and the stored value stays.
  auto bad = this->store().JobHeartbeat({.id = j.id,
                                         .lease_token = j.lease->token,
                                         .lease_expires_at = kT0 + 60000,
                                         .progress = 100.5,
                                         .now = kT0 + 2});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MustGet(this->store(), j.id).progress, 0.1);
}

TYPED_TEST_P(StoreStatsConformance, StatsOfAnEmptyStoreAreZero) {
  const JobStats s = this->MustStats();
  EXPECT_TRUE(s.by_state.empty());
  EXPECT_TRUE(s.by_type.empty());
  EXPECT_EQ(s.avg_failed_attempt, 0.0);
  EXPECT_TRUE(s.recent_failures.empty());
}

TYPED_TEST_P(StoreStatsConformance, StatsCountTypesMostCommonFirstAndBounded) {
  std::vector<Job> jobs;
  for (int i = 0; i < 3; ++i) jobs.push_back(MakeJob({.type = "send_email"}));
  for (int i = 0; i < 2; ++i) jobs.push_back(MakeJob({.type = "b.tie"}));
  for (int i = 0; i < 2; ++i) jobs.push_back(MakeJob({.type = "a.tie"}));
  jobs.push_back(MakeJob({.type = "rare"}));
  MustInsertMany(this->store(), jobs);
  using Counts = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(this->MustStats().by_type,
            (Counts{{"send_email", 3}, {"a.tie", 2}, {"b.tie", 2}, {"rare", 1}}));
  EXPECT_EQ(this->MustStats({.max_types = 2}).by_type, (Counts{{"send_email", 3}, {"a.tie", 2}}));
  EXPECT_EQ(this->MustStats().by_state.at(JobState::kPending), 8);
}

TYPED_TEST_P(StoreStatsConformance, StatsAverageTheAttemptsOfFailedJobsOnly) {
  MustInsertMany(this->store(), {MakeFailedJob("x", 1, kT0 + 1), MakeFailedJob("x", 2, kT0 + 2),
                                 MakeFailedJob("y", 4, kT0 + 3)});
  Job succeeded = MakeJob({.state = JobState::kSucceeded});
  succeeded.attempt = 9;  // not a failure: must not move the mean
  MustInsertMany(this->store(), {succeeded});
  const JobStats s = this->MustStats();
  EXPECT_DOUBLE_EQ(s.avg_failed_attempt, 7.0 / 3.0);
  EXPECT_EQ(s.by_state.at(JobState::kFailed), 3);
  EXPECT_EQ(s.by_state.at(JobState::kSucceeded), 1);
}

TYPED_TEST_P(StoreStatsConformance, StatsListTheNewestFailuresFirstAndBounded) {
  std::vector<Job> failed;
  // Inserted out of time order, so "newest" must come from finished_at, not insertion.
  for (int i : {3, 11, 0, 7, 1, 9, 4, 10, 2, 8, 5, 6}) {
    failed.push_back(MakeFailedJob("t" + std::to_string(i), 1 + i % 3, kT0 + 1000 * i));
  }
  MustInsertMany(this->store(), failed);
  // A job that fails through the store's own transition counts too: the newest of all.
  const Job running = this->MustRunning();
  MustOk(this->store().JobFail({.id = running.id,
                                .lease_token = running.lease->token,
                                .error = "permanent",
                                .retryable = false,
                                .now = kT0 + 20000}),
         "fail");
  const JobStats s = this->MustStats();
  ASSERT_EQ(s.recent_failures.size(), 10u);
  EXPECT_EQ(s.recent_failures[0].id, running.id);
  EXPECT_EQ(s.recent_failures[0].error, "permanent");
  EXPECT_EQ(s.recent_failures[0].attempt, 1);
  EXPECT_EQ(s.recent_failures[0].finished_at, kT0 + 20000);
  for (size_t k = 1; k < 10; ++k) {
    const int i = 12 - static_cast<int>(k);  // 11, 10, ..., 3
    EXPECT_EQ(s.recent_failures[k].type, "t" + std::to_string(i)) << k;
    EXPECT_EQ(s.recent_failures[k].attempt, 1 + i % 3) << k;
    EXPECT_EQ(s.recent_failures[k].finished_at, kT0 + 1000 * i) << k;
    EXPECT_EQ(s.recent_failures[k].error, "error of attempt " + std::to_string(1 + i % 3)) << k;
  }
  EXPECT_EQ(this->MustStats({.recent_failures = 3}).recent_failures.size(), 3u);
}

TYPED_TEST_P(StoreStatsConformance, ARetriedFailureLeavesTheFailureStats) {
  const Job f = MakeFailedJob("x", 5, kT0 + 5);
  MustInsertMany(this->store(), {f, MakeFailedJob("y", 1, kT0 + 1)});
  MustOk(this->store().JobRetry({.id = f.id, .now = kT0 + 10}), "retry");
  const JobStats s = this->MustStats();
  ASSERT_EQ(s.recent_failures.size(), 1u);
  EXPECT_EQ(s.recent_failures[0].type, "y");
  EXPECT_EQ(s.avg_failed_attempt, 1.0);
}

REGISTER_TYPED_TEST_SUITE_P(StoreStatsConformance, DialectRoundTripsOnSingleInsertGetAndList,
                            DialectRoundTripsThroughABatchInsert,
                            DialectRoundTripsThroughCoalescedAsyncInserts,
                            IdempotentReplayAnswersWithTheOriginalJobsDialect,
                            FractionalProgressIsStoredAndReadBack, StatsOfAnEmptyStoreAreZero,
                            StatsCountTypesMostCommonFirstAndBounded,
                            StatsAverageTheAttemptsOfFailedJobsOnly,
                            StatsListTheNewestFailuresFirstAndBounded,
                            ARetriedFailureLeavesTheFailureStats);

}  // namespace conveyor::testing
