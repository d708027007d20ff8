// Store conformance: unique windows. A job holds its idempotency key for
// JobInsertManyParams::key_window_ms after its created_at; inside the window a resubmit replays
// (same request) or conflicts (another request) as always, after it the key is taken over by a
// new job in the same transaction, and JobListParams::idempotency_key finds the job holding it
// now. Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <string>
#include <vector>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreUniqueConformance : public StoreTest<Factory> {
 protected:
  static constexpr TimeMs kWindow = 1000;

  // Inserts one job carrying `key` at `now` under kWindow (unless `window` says otherwise).
  Result<std::vector<InsertOutcome>> Submit(const std::string& key, TimeMs now,
                                            const std::string& hash = "hash-a",
                                            TimeMs window = kWindow) {
    Job j = MakeJob({.idempotency_key = key, .request_hash = hash});
    j.created_at = j.updated_at = now;
    return this->store().JobInsertMany({.jobs = {j}, .now = now, .key_window_ms = window});
  }
  InsertOutcome MustSubmit(const std::string& key, TimeMs now, const std::string& hash = "hash-a",
                           TimeMs window = kWindow) {
    auto out = MustOk(Submit(key, now, hash, window), "submit");
    EXPECT_EQ(out.size(), 1u);
    return out.front();
  }
  std::vector<std::string> ListByKey(const std::string& key, JobListParams p = {}) {
    p.idempotency_key = key;
    return Ids(MustOk(this->store().JobList(p), "list by key").jobs);
  }
};
TYPED_TEST_SUITE_P(StoreUniqueConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TYPED_TEST_P(StoreUniqueConformance, KeyReusedAfterItsWindowMakesANewJob) {
  const InsertOutcome first = this->MustSubmit("k", kT0);
  const InsertOutcome second = this->MustSubmit("k", kT0 + this->kWindow);
  EXPECT_TRUE(second.is_new);
  EXPECT_NE(second.job.id, first.job.id);
  EXPECT_EQ(MustOk(this->store().JobList({}), "list").jobs.size(), 2u);
  // The old job still shows the key it was submitted with, but no longer holds it.
  EXPECT_EQ(MustGet(this->store(), first.job.id).idempotency_key, "k");
  EXPECT_EQ(MustGet(this->store(), second.job.id).idempotency_key, "k");
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(second.job.id));
  // A different request after the window is a new job too: the old request is forgotten.
  const InsertOutcome third = this->MustSubmit("k", kT0 + 3 * this->kWindow, "hash-b");
  EXPECT_TRUE(third.is_new);
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(third.job.id));
}

TYPED_TEST_P(StoreUniqueConformance, KeyInsideItsWindowReplaysOrConflictsAsBefore) {
  const InsertOutcome first = this->MustSubmit("k", kT0);
  const InsertOutcome replay = this->MustSubmit("k", kT0 + this->kWindow - 1);
  EXPECT_FALSE(replay.is_new);
  EXPECT_EQ(replay.job.id, first.job.id);
  auto clash = this->Submit("k", kT0 + this->kWindow - 1, "hash-b");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kConflict);
  EXPECT_THAT(clash.status().message(), ::testing::HasSubstr(first.job.id));
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(first.job.id));
}

TYPED_TEST_P(StoreUniqueConformance, ZeroWindowKeepsAKeyForEver) {
  const InsertOutcome first = this->MustSubmit("k", kT0, "hash-a", 0);
  const TimeMs ten_years = TimeMs{10} * 365 * 24 * 3600 * 1000;
  const InsertOutcome replay = this->MustSubmit("k", kT0 + ten_years, "hash-a", 0);
  EXPECT_FALSE(replay.is_new);
  EXPECT_EQ(replay.job.id, first.job.id);
}

TYPED_TEST_P(StoreUniqueConformance, KeyTakenOverInABatchIsHeldByItsFirstJob) {
  const InsertOutcome old = this->MustSubmit("k", kT0);
  const TimeMs now = kT0 + 5 * this->kWindow;
  std::vector<Job> batch = {MakeJob({.idempotency_key = "k"}), MakeJob({.idempotency_key = "k"})};
  for (Job& j : batch) j.created_at = j.updated_at = now;
  auto out = MustOk(
      this->store().JobInsertMany({.jobs = batch, .now = now, .key_window_ms = this->kWindow}),
      "batch");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].is_new);
  EXPECT_FALSE(out[1].is_new);
  EXPECT_EQ(out[1].job.id, out[0].job.id);
  EXPECT_NE(out[0].job.id, old.job.id);
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(out[0].job.id));
}

TYPED_TEST_P(StoreUniqueConformance, ConflictInTheBatchLeavesAnExpiredKeyWithItsHolder) {
  const InsertOutcome old = this->MustSubmit("k", kT0);
  const InsertOutcome other = this->MustSubmit("z", kT0 + 5 * this->kWindow);
  const TimeMs now = kT0 + 5 * this->kWindow;
  std::vector<Job> batch = {MakeJob({.idempotency_key = "k"}),
                            MakeJob({.idempotency_key = "z", .request_hash = "hash-b"})};
  auto r = this->store().JobInsertMany({.jobs = batch, .now = now, .key_window_ms = this->kWindow});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(old.job.id));  // nothing was written
  EXPECT_THAT(this->ListByKey("z"), ElementsAre(other.job.id));
}

TYPED_TEST_P(StoreUniqueConformance, ConcurrentSubmitsOfAnExpiredKeyMakeOneNewJob) {
  const InsertOutcome old = this->MustSubmit("k", kT0);
  const TimeMs now = kT0 + 5 * this->kWindow;
  constexpr int kCallers = 8;
  std::vector<std::future<Result<std::vector<InsertOutcome>>>> calls;
  for (int i = 0; i < kCallers; ++i) {
    calls.push_back(std::async(std::launch::async, [this, now] { return this->Submit("k", now); }));
  }
  std::set<std::string> ids;
  int fresh = 0;
  for (auto& call : calls) {
    auto out = MustOk(call.get(), "concurrent submit");
    ASSERT_EQ(out.size(), 1u);
    ids.insert(out[0].job.id);
    fresh += out[0].is_new ? 1 : 0;
  }
  EXPECT_EQ(fresh, 1);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_NE(*ids.begin(), old.job.id);
  EXPECT_THAT(this->ListByKey("k"), ElementsAre(*ids.begin()));
}

TYPED_TEST_P(StoreUniqueConformance, ListByKeyFindsTheHolderAndKeepsTheOtherFilters) {
  const Job a = MustInsert(this->store(), {.type = "noop", .idempotency_key = "a"});
  MustInsert(this->store(), {.idempotency_key = "b"});
  MustInsert(this->store(), {});
  EXPECT_THAT(this->ListByKey("a"), ElementsAre(a.id));
  EXPECT_THAT(this->ListByKey("nobody"), IsEmpty());
  EXPECT_THAT(this->ListByKey("a", {.state = JobState::kPending}), ElementsAre(a.id));
  EXPECT_THAT(this->ListByKey("a", {.state = JobState::kRunning}), IsEmpty());
  EXPECT_THAT(this->ListByKey("a", {.state = JobState::kScheduled,
                                    .also_states = {JobState::kPending, JobState::kRetrying}}),
              ElementsAre(a.id));
  EXPECT_THAT(this->ListByKey("a", {.type = "other"}), IsEmpty());
  EXPECT_THAT(this->ListByKey("a", {.queue = "default"}), ElementsAre(a.id));
  // A one-job page names a cursor; the page after it is empty.
  JobListParams one{.limit = 1, .idempotency_key = "a"};
  const JobPage page = MustOk(this->store().JobList(one), "page");
  ASSERT_EQ(page.next_cursor, a.id);
  one.cursor = page.next_cursor;
  EXPECT_THAT(Ids(MustOk(this->store().JobList(one), "next page").jobs), IsEmpty());
}

REGISTER_TYPED_TEST_SUITE_P(StoreUniqueConformance, KeyReusedAfterItsWindowMakesANewJob,
                            KeyInsideItsWindowReplaysOrConflictsAsBefore,
                            ZeroWindowKeepsAKeyForEver, KeyTakenOverInABatchIsHeldByItsFirstJob,
                            ConflictInTheBatchLeavesAnExpiredKeyWithItsHolder,
                            ConcurrentSubmitsOfAnExpiredKeyMakeOneNewJob,
                            ListByKeyFindsTheHolderAndKeepsTheOtherFilters);

}  // namespace conveyor::testing
