// Store conformance, part 13: retention (Store::JobPrune, store_retention.h). Finished jobs go
// after their state's age counted from finished_at, per-queue ages replace it, everything that
// hangs off a job goes with it, waiting and running jobs never go, a job holding its
// idempotency key stays until its window passed, a BLOCKED dependent's outcome does not change,
// and one call looks at no more than its limit. Included by store_conformance.h.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreRetentionConformance : public StoreTest<Factory> {
 protected:
  // A job stored as already finished: created at `created`, finished at `finished`.
  Job InsertFinished(JobState state, TimeMs created, TimeMs finished, const JobOptions& o = {}) {
    Job j = MakeJob(o);
    j.state = state;
    j.created_at = created;
    j.updated_at = finished;
    j.finished_at = finished;
    return MustInsertMany(this->store(), {j}).front();
  }
  JobPruneOutcome Prune(JobPruneParams p) { return MustOk(this->store().JobPrune(p), "prune"); }
  std::vector<std::string> PrunedIds(JobPruneParams p) {
    std::vector<std::string> ids;
    for (const PrunedJob& j : Prune(std::move(p)).pruned) ids.push_back(j.id);
    return ids;
  }
  bool Exists(const std::string& id) { return this->store().JobGet(id).ok(); }
  Job ClaimOne(TimeMs now = kT0) {
    auto claimed = MustClaim(this->store(), 1, now);
    if (claimed.size() != 1) throw std::runtime_error("nothing claimable");
    return claimed.front();
  }
  void Complete(const Job& running, TimeMs now) {
    auto out = MustOk(this->store().JobCompleteMany(
                          {.completions = {{.id = running.id,
                                            .lease_token = running.lease->token,
                                            .result = "{}"}},
                           .now = now}),
                      "complete");
    MustOk(out.at(0), "complete entry");
  }
};

TYPED_TEST_SUITE_P(StoreRetentionConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TYPED_TEST_P(StoreRetentionConformance, EachStateGoesAfterItsOwnAgeFromFinishedAt) {
  const Job ok = this->InsertFinished(JobState::kSucceeded, kT0, kT0 + 10);
  const Job young = this->InsertFinished(JobState::kSucceeded, kT0, kT0 + 50);
  const Job failed = this->InsertFinished(JobState::kFailed, kT0, kT0 + 10);
  const Job cancelled = this->InsertFinished(JobState::kCancelled, kT0, kT0 + 10);
  const Job expired = this->InsertFinished(JobState::kExpired, kT0, kT0 + 10);
  const TimeMs now = kT0 + 110;  // ok is 100 ms past its finish, young 60
  EXPECT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = now, .age_ms = 100}),
              ElementsAre(ok.id));
  EXPECT_TRUE(this->Exists(young.id));
  EXPECT_TRUE(this->Exists(failed.id));  // another state: another call
  EXPECT_THAT(this->PrunedIds({.state = JobState::kFailed, .now = now, .age_ms = 101}), IsEmpty());
  EXPECT_THAT(this->PrunedIds({.state = JobState::kFailed, .now = now, .age_ms = 100}),
              ElementsAre(failed.id));
  EXPECT_THAT(this->PrunedIds({.state = JobState::kCancelled, .now = now, .age_ms = 0}),
              IsEmpty());  // 0: kept for ever
  EXPECT_THAT(this->PrunedIds({.state = JobState::kCancelled, .now = now, .age_ms = 50}),
              ElementsAre(cancelled.id));
  EXPECT_THAT(this->PrunedIds({.state = JobState::kExpired, .now = now, .age_ms = 50}),
              ElementsAre(expired.id));
  EXPECT_FALSE(this->Exists(ok.id));
  EXPECT_EQ(this->store().JobGet(ok.id).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreRetentionConformance, WaitingAndRunningJobsAreNeverPruned) {
  const Job pending = MustInsert(this->store(), {.run_at = kT0});
  const Job running = this->ClaimOne();
  const Job scheduled =
      MustInsert(this->store(), {.state = JobState::kScheduled, .run_at = kT0 + 5000});
  for (JobState s : {JobState::kPending, JobState::kRunning, JobState::kScheduled,
                     JobState::kRetrying, JobState::kBlocked}) {
    auto r = this->store().JobPrune({.state = s, .now = kT0 + 1'000'000, .age_ms = 1});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << ToString(s);
  }
  for (JobState s : {JobState::kSucceeded, JobState::kFailed, JobState::kCancelled,
                     JobState::kExpired}) {
    EXPECT_THAT(this->PrunedIds({.state = s, .now = kT0 + 1'000'000, .age_ms = 1}), IsEmpty());
  }
  EXPECT_EQ(MustGet(this->store(), pending.id).state, JobState::kRunning);  // claimed above
  EXPECT_EQ(running.id, pending.id);
  EXPECT_EQ(MustGet(this->store(), scheduled.id).state, JobState::kScheduled);
}

TYPED_TEST_P(StoreRetentionConformance, EventsAndDeliveriesGoWithTheJob) {
  Job hooked = MakeJob();
  hooked.webhook_url = "https://hooks.example.test/x";
  MustInsertMany(this->store(), {hooked});
  const Job kept = MustInsert(this->store());
  this->Complete(this->ClaimOne(), kT0 + 1);
  auto due = MustOk(this->store().DeliveryClaimDue({.now = kT0 + 2}), "claim deliveries");
  ASSERT_EQ(due.size(), 1u);
  MustOk(this->store().DeliveryRecord({.job_id = hooked.id,
                                       .n = due[0].n,
                                       .now = kT0 + 3,
                                       .outcome = DeliveryOutcome::kRetry,
                                       .next_attempt_at = kT0 + 4,
                                       .error = "refused"}),
         "record");
  ASSERT_EQ(MustOk(this->store().DeliveryCountPending(), "pending"), 1);

  EXPECT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = kT0 + 101, .age_ms = 100}),
              ElementsAre(hooked.id));
  EXPECT_EQ(this->store().JobEventList(hooked.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().DeliveryList(hooked.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MustOk(this->store().DeliveryCountPending(), "pending"), 0);
  EXPECT_THAT(MustOk(this->store().DeliveryClaimDue({.now = kT0 + 10}), "claim"), IsEmpty());
  for (const JobEventRow& row : MustOk(this->store().JobEventsAfter(0, 1000), "events")) {
    EXPECT_EQ(row.job_id, kept.id);
  }
  EXPECT_EQ(MustOk(this->store().JobCountByState(), "counts"),
            (std::map<JobState, int64_t>{{JobState::kPending, 1}}));
}

// A SUCCEEDED dependency may go while a dependent is still BLOCKED on another: the dependent is
// released when the other succeeds, as it would have been.
TYPED_TEST_P(StoreRetentionConformance, PruningADependencyKeepsTheDependentsOutcome) {
  const Job first = MustInsert(this->store(), {.priority = 1});
  const Job second = MustInsert(this->store(), {.priority = 9});
  Job dependent = MakeJob();
  dependent.depends_on = {first.id, second.id};
  MustInsertMany(this->store(), {dependent});
  ASSERT_EQ(MustGet(this->store(), dependent.id).state, JobState::kBlocked);
  this->Complete(this->ClaimOne(kT0), kT0);  // first, by priority
  ASSERT_EQ(MustGet(this->store(), first.id).state, JobState::kSucceeded);
  ASSERT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = kT0 + 100, .age_ms = 50}),
              ElementsAre(first.id));
  EXPECT_EQ(MustGet(this->store(), dependent.id).state, JobState::kBlocked);
  this->Complete(this->ClaimOne(kT0 + 100), kT0 + 100);  // second
  EXPECT_EQ(MustGet(this->store(), dependent.id).state, JobState::kPending);
  // A new job naming the pruned one is refused as an unknown id.
  Job late = MakeJob();
  late.depends_on = {first.id};
  auto r = this->store().JobInsertMany({.jobs = {late}, .now = kT0 + 100});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreRetentionConformance, AJobHoldingItsKeyStaysUntilItsWindowPassed) {
  const Job keyed =
      this->InsertFinished(JobState::kSucceeded, kT0, kT0 + 10, {.idempotency_key = "k1"});
  const Job plain = this->InsertFinished(JobState::kSucceeded, kT0, kT0 + 10);
  const JobPruneParams p = {
      .state = JobState::kSucceeded, .now = kT0 + 500, .age_ms = 100, .key_window_ms = 1000};
  EXPECT_THAT(this->PrunedIds(p), ElementsAre(plain.id));
  EXPECT_TRUE(this->Exists(keyed.id));
  // Keys held for ever: the job is kept for ever.
  EXPECT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = kT0 + 10'000'000,
                               .age_ms = 100, .key_window_ms = 0}),
              IsEmpty());
  JobPruneParams later = p;
  later.now = kT0 + 1000;  // created_at + window: the key is no longer held
  EXPECT_THAT(this->PrunedIds(later), ElementsAre(keyed.id));
  // A key released to a newer job no longer holds the old one back.
  const Job old = this->InsertFinished(JobState::kSucceeded, kT0, kT0, {.idempotency_key = "k2"});
  Job newer = MakeJob({.idempotency_key = "k2", .request_hash = "hash-b"});
  newer.created_at = kT0 + 2000;
  MustOk(this->store().JobInsertMany({.jobs = {newer}, .now = kT0 + 2000, .key_window_ms = 1000}),
         "take the key over");
  EXPECT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = kT0 + 2000, .age_ms = 100,
                               .key_window_ms = 0}),
              ElementsAre(old.id));
}

TYPED_TEST_P(StoreRetentionConformance, PerQueueAgesReplaceTheStatesAge) {
  const Job fast = this->InsertFinished(JobState::kSucceeded, kT0, kT0, {.queue = "fast"});
  const Job kept = this->InsertFinished(JobState::kSucceeded, kT0, kT0, {.queue = "keep"});
  const Job plain = this->InsertFinished(JobState::kSucceeded, kT0, kT0);
  const JobPruneParams p = {.state = JobState::kSucceeded,
                            .now = kT0 + 50,
                            .age_ms = 100,
                            .queue_age_ms = {{"fast", 10}, {"keep", 0}}};
  EXPECT_THAT(this->PrunedIds(p), ElementsAre(fast.id));
  JobPruneParams later = p;
  later.now = kT0 + 1'000'000;
  EXPECT_THAT(this->PrunedIds(later), ElementsAre(plain.id));
  EXPECT_TRUE(this->Exists(kept.id));
  // Only a queue's own age in force: the global 0 keeps the rest.
  EXPECT_THAT(this->PrunedIds({.state = JobState::kSucceeded, .now = kT0 + 1'000'000,
                               .age_ms = 0, .queue_age_ms = {{"keep", 5}}}),
              ElementsAre(kept.id));
}

TYPED_TEST_P(StoreRetentionConformance, OneCallLooksAtNoMoreThanItsLimit) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(this->InsertFinished(JobState::kSucceeded, kT0 + i, kT0 + i).id);
  }
  JobPruneParams p = {.state = JobState::kSucceeded, .now = kT0 + 1000, .age_ms = 100, .limit = 2};
  JobPruneOutcome first = this->Prune(p);
  ASSERT_EQ(first.pruned.size(), 2u);
  EXPECT_EQ(first.pruned[0].id, ids[0]);
  EXPECT_EQ(first.pruned[0].finished_at, kT0);
  ASSERT_TRUE(first.next_after_seq.has_value());
  std::vector<std::string> rest;
  for (p.after_seq = *first.next_after_seq;;) {
    JobPruneOutcome next = this->Prune(p);
    EXPECT_LE(next.pruned.size(), 2u);
    for (const PrunedJob& j : next.pruned) rest.push_back(j.id);
    if (!next.next_after_seq) break;
    p.after_seq = *next.next_after_seq;
  }
  EXPECT_THAT(rest, ElementsAre(ids[2], ids[3], ids[4]));
  EXPECT_EQ(this->store().JobPrune({.state = JobState::kSucceeded, .age_ms = 1, .limit = 0})
                .status().code(),
            StatusCode::kInvalidArgument);
}

// A job created long ago that finished recently is stepped over, not a wall: older-finished jobs
// behind it still go; the walk ends at the first job created after the cutoff.
TYPED_TEST_P(StoreRetentionConformance, ALongRunningJobDoesNotHoldBackOthers) {
  const Job slow = this->InsertFinished(JobState::kSucceeded, kT0, kT0 + 900);
  const Job quick = this->InsertFinished(JobState::kSucceeded, kT0 + 1, kT0 + 2);
  const Job fresh = this->InsertFinished(JobState::kSucceeded, kT0 + 950, kT0 + 950);
  JobPruneOutcome out = this->Prune({.state = JobState::kSucceeded, .now = kT0 + 1000,
                                     .age_ms = 500, .limit = 10});
  ASSERT_EQ(out.pruned.size(), 1u);
  EXPECT_EQ(out.pruned[0].id, quick.id);
  EXPECT_EQ(out.next_after_seq, std::nullopt);
  EXPECT_TRUE(this->Exists(slow.id));
  EXPECT_TRUE(this->Exists(fresh.id));
}

TYPED_TEST_P(StoreRetentionConformance, AQueuesOwnAgesAreStoredAndPatchedOneByOne) {
  QueuePatchParams p = {.name = "reports", .now = kT0};
  p.retention.succeeded_ms = 3600000;
  p.retention.cancelled_ms = 0;
  QueueSettings q = MustOk(this->store().QueuePatch(p), "patch");
  EXPECT_EQ(q.retention, (QueueRetention{.succeeded_ms = 3600000, .cancelled_ms = 0}));
  QueuePatchParams change = {.name = "reports", .now = kT0 + 1};
  change.retention.failed_ms = 60000;
  change.retention.succeeded_ms = std::optional<TimeMs>();  // cleared
  MustOk(this->store().QueuePatch(change), "patch");
  for (const QueueSettings& listed : MustOk(this->store().QueueList(), "list")) {
    if (listed.name != "reports") {
      EXPECT_EQ(listed.retention, QueueRetention{}) << listed.name;
      continue;
    }
    EXPECT_EQ(listed.retention, (QueueRetention{.failed_ms = 60000, .cancelled_ms = 0}));
    EXPECT_EQ(listed.retention.Of(JobState::kFailed), 60000);
    EXPECT_EQ(listed.retention.Of(JobState::kSucceeded), std::nullopt);
  }
}

REGISTER_TYPED_TEST_SUITE_P(StoreRetentionConformance,
                            AQueuesOwnAgesAreStoredAndPatchedOneByOne,
                            EachStateGoesAfterItsOwnAgeFromFinishedAt,
                            WaitingAndRunningJobsAreNeverPruned,
                            EventsAndDeliveriesGoWithTheJob,
                            PruningADependencyKeepsTheDependentsOutcome,
                            AJobHoldingItsKeyStaysUntilItsWindowPassed,
                            PerQueueAgesReplaceTheStatesAge,
                            OneCallLooksAtNoMoreThanItsLimit,
                            ALongRunningJobDoesNotHoldBackOthers);

}  // namespace conveyor::testing
