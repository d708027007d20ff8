// Store conformance, part 5: expiry. Waiting jobs whose expires_at passed become EXPIRED
// (JobExpireDue, with an event and the job.expired delivery), JobNextExpiry names the earliest
// expiry, and the claim never starts a job past its expiry even before the expirer ran.
// Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreExpiryConformance : public StoreTest<Factory> {
 protected:
  Job InsertExpiring(TimeMs expires_at, const JobOptions& o = {},
                     std::optional<std::string> webhook_url = std::nullopt) {
    Job j = MakeJob(o);
    j.expires_at = expires_at;
    j.webhook_url = std::move(webhook_url);
    return MustInsertMany(this->store(), {j}).front();
  }
  std::vector<std::string> ExpireDue(TimeMs now, int limit = 1000) {
    return MustOk(this->store().JobExpireDue({.now = now, .limit = limit}), "expire");
  }
};

TYPED_TEST_SUITE_P(StoreExpiryConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TYPED_TEST_P(StoreExpiryConformance, ExpireDueMovesEveryWaitingStateToExpired) {
  const Job pending = this->InsertExpiring(kT0 + 100);
  const Job scheduled =
      this->InsertExpiring(kT0 + 100, {.state = JobState::kScheduled, .run_at = kT0 + 5000});
  const Job retrying =
      this->InsertExpiring(kT0 + 100, {.state = JobState::kRetrying, .run_at = kT0 + 5000});
  const Job later = this->InsertExpiring(kT0 + 101);
  const Job never = MustInsert(this->store());
  EXPECT_THAT(this->ExpireDue(kT0 + 99), IsEmpty());
  EXPECT_THAT(this->ExpireDue(kT0 + 100),
              UnorderedElementsAre(pending.id, scheduled.id, retrying.id));
  for (const Job* j : {&pending, &scheduled, &retrying}) {
    const Job got = MustGet(this->store(), j->id);
    EXPECT_EQ(got.state, JobState::kExpired) << j->id;
    EXPECT_EQ(got.finished_at, kT0 + 100) << j->id;
    EXPECT_EQ(got.updated_at, kT0 + 100) << j->id;
    auto events = MustOk(this->store().JobEventList(j->id), "events");
    ASSERT_EQ(events.size(), 2u) << j->id;
    EXPECT_EQ(events[1].from, j->state) << j->id;
    EXPECT_EQ(events[1].to, JobState::kExpired) << j->id;
    EXPECT_EQ(events[1].at, kT0 + 100) << j->id;
  }
  EXPECT_EQ(MustGet(this->store(), later.id).state, JobState::kPending);
  EXPECT_EQ(MustGet(this->store(), never.id).state, JobState::kPending);
  EXPECT_THAT(this->ExpireDue(kT0 + 100), IsEmpty());  // already EXPIRED: not again
}

TYPED_TEST_P(StoreExpiryConformance, ExpireDueLeavesRunningAndFinishedJobsAlone) {
  const Job running = this->InsertExpiring(kT0 + 100);
  ASSERT_THAT(Ids(MustClaim(this->store(), 1, kT0)), ElementsAre(running.id));
  const Job cancelled = this->InsertExpiring(kT0 + 100);
  MustOk(this->store().JobCancel({.id = cancelled.id, .now = kT0 + 1}), "cancel");
  EXPECT_THAT(this->ExpireDue(kT0 + 200), IsEmpty());
  EXPECT_EQ(MustGet(this->store(), running.id).state, JobState::kRunning);
  EXPECT_EQ(MustGet(this->store(), cancelled.id).state, JobState::kCancelled);
}

TYPED_TEST_P(StoreExpiryConformance, ExpireDueTakesAtMostLimitEarliestFirst) {
  const Job second = this->InsertExpiring(kT0 + 20);
  const Job first = this->InsertExpiring(kT0 + 10);
  const Job third = this->InsertExpiring(kT0 + 30);
  EXPECT_THAT(this->ExpireDue(kT0 + 50, 2), UnorderedElementsAre(first.id, second.id));
  EXPECT_THAT(this->ExpireDue(kT0 + 50, 0), IsEmpty());
  EXPECT_THAT(this->ExpireDue(kT0 + 50, 2), ElementsAre(third.id));
}

TYPED_TEST_P(StoreExpiryConformance, ExpiredJobWithAWebhookGetsAJobExpiredDelivery) {
  const Job hooked = this->InsertExpiring(kT0 + 100, {}, "https://hooks.example.test/x");
  const Job plain = this->InsertExpiring(kT0 + 100);
  ASSERT_EQ(this->ExpireDue(kT0 + 150).size(), 2u);
  auto deliveries = MustOk(this->store().DeliveryList(hooked.id), "deliveries");
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].event, "job.expired");
  EXPECT_EQ(deliveries[0].url, "https://hooks.example.test/x");
  EXPECT_EQ(deliveries[0].state, DeliveryState::kPending);
  EXPECT_EQ(deliveries[0].next_attempt_at, kT0 + 150);
  EXPECT_THAT(MustOk(this->store().DeliveryList(plain.id), "deliveries"), IsEmpty());
}

TYPED_TEST_P(StoreExpiryConformance, NextExpiryIsTheEarliestAmongWaitingJobs) {
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), std::nullopt);
  MustInsert(this->store());  // no expires_at: not counted
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), std::nullopt);
  const Job soon = this->InsertExpiring(kT0 + 100);
  this->InsertExpiring(kT0 + 300);
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), kT0 + 100);
  MustOk(this->store().JobCancel({.id = soon.id, .now = kT0 + 1}), "cancel");
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), kT0 + 300);
}

TYPED_TEST_P(StoreExpiryConformance, ClaimNeverStartsAJobPastItsExpiry) {
  const Job expired = this->InsertExpiring(kT0 + 100, {.priority = 1});
  const Job fresh = this->InsertExpiring(kT0 + 1000, {.priority = 5});
  const Job plain = MustInsert(this->store(), {.priority = 9});
  // The expirer has not run: the expired job still reads PENDING, first in claim order.
  EXPECT_THAT(Ids(MustClaim(this->store(), 10, kT0 + 100)), ElementsAre(fresh.id, plain.id));
  EXPECT_EQ(MustGet(this->store(), expired.id).state, JobState::kPending);
  EXPECT_THAT(this->ExpireDue(kT0 + 100), ElementsAre(expired.id));
}

TYPED_TEST_P(StoreExpiryConformance, ClaimStartsAJobBeforeItsExpiry) {
  const Job j = this->InsertExpiring(kT0 + 100);
  EXPECT_THAT(Ids(MustClaim(this->store(), 1, kT0 + 99)), ElementsAre(j.id));
}

TYPED_TEST_P(StoreExpiryConformance, RetryOfAnExpiredJobClearsThePassedExpiryAndRunsIt) {
  const Job j = this->InsertExpiring(kT0 + 100);
  ASSERT_THAT(this->ExpireDue(kT0 + 100), ElementsAre(j.id));
  const Job retried = MustOk(this->store().JobRetry({.id = j.id, .now = kT0 + 200}), "retry");
  EXPECT_EQ(retried.state, JobState::kPending);
  EXPECT_EQ(retried.expires_at, std::nullopt);
  EXPECT_THAT(this->ExpireDue(kT0 + 300), IsEmpty());
  EXPECT_THAT(Ids(MustClaim(this->store(), 1, kT0 + 300)), ElementsAre(j.id));
  const Job later = this->InsertExpiring(kT0 + 5000);
  MustOk(this->store().JobCancel({.id = later.id, .now = kT0 + 1}), "cancel");
  EXPECT_EQ(MustOk(this->store().JobRetry({.id = later.id, .now = kT0 + 2}), "retry").expires_at,
            kT0 + 5000);  // not passed yet: kept
}

REGISTER_TYPED_TEST_SUITE_P(StoreExpiryConformance,
                            RetryOfAnExpiredJobClearsThePassedExpiryAndRunsIt,
                            ExpireDueMovesEveryWaitingStateToExpired,
                            ExpireDueLeavesRunningAndFinishedJobsAlone,
                            ExpireDueTakesAtMostLimitEarliestFirst,
                            ExpiredJobWithAWebhookGetsAJobExpiredDelivery,
                            NextExpiryIsTheEarliestAmongWaitingJobs,
                            ClaimNeverStartsAJobPastItsExpiry, ClaimStartsAJobBeforeItsExpiry);

}  // namespace conveyor::testing
