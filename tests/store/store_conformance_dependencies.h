// Store conformance, part 6: dependencies (depends_on; docs/scheduling.md). A job
// whose dependencies have not all SUCCEEDED is BLOCKED and never claimed; it is released (PENDING,
// or SCHEDULED while its run_at is ahead) when the last one succeeds, and cancelled — down the
// chain — when one fails, is cancelled or expires, on every path that gets there (complete, fail,
// cancel, cancel-ack, lease rescue, expiry). Unknown ids, a job depending on itself and cycles
// are refused at insert, inside the inserting transaction. Included by store_conformance.h.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreDependenciesConformance : public StoreTest<Factory> {
 protected:
  Job Insert(std::vector<std::string> depends_on, const JobOptions& o = {},
             std::optional<std::string> webhook_url = std::nullopt) {
    Job j = MakeJob(o);
    j.depends_on = std::move(depends_on);
    j.webhook_url = std::move(webhook_url);
    return MustInsertMany(this->store(), {j}).front();
  }
  Status InsertError(std::vector<Job> jobs) {
    auto r = this->store().JobInsertMany({.jobs = std::move(jobs), .now = kT0});
    return r.ok() ? Status::Ok() : r.status();
  }
  // Claims every claimable job and returns the one with `id` (the test fails if it is not there).
  Job MustClaimJob(const std::string& id, TimeMs now = kT0) {
    for (Job& j : MustClaim(this->store(), 100, now)) {
      if (j.id == id) return j;
    }
    throw std::runtime_error("job " + id + " was not claimable");
  }
  void MustComplete(const std::string& id, TimeMs now = kT0) {
    const Job j = MustClaimJob(id, now);
    auto out =
        MustOk(this->store().JobCompleteMany(
                   {.completions = {{.id = id, .lease_token = j.lease->token, .result = "{}"}},
                    .now = now}),
               "complete");
    MustOk(out.at(0), "complete entry");
  }
  void MustFail(const std::string& id, TimeMs now = kT0) {
    const Job j = MustClaimJob(id, now);
    MustOk(this->store().JobFail({.id = id,
                                  .lease_token = j.lease->token,
                                  .error = "boom",
                                  .retryable = false,
                                  .now = now}),
           "fail");
  }
  JobState StateOf(const std::string& id) { return MustGet(this->store(), id).state; }
  JobEvent LastEvent(const std::string& id) {
    return MustOk(this->store().JobEventList(id), "events").back();
  }
};

TYPED_TEST_SUITE_P(StoreDependenciesConformance);

using ::testing::HasSubstr;
using ::testing::Not;

TYPED_TEST_P(StoreDependenciesConformance, ADependentIsReleasedOnlyWhenEveryDependencySucceeded) {
  const Job a = MustInsert(this->store());
  const Job b = MustInsert(this->store());
  const Job c = this->Insert({a.id, b.id});
  EXPECT_EQ(c.state, JobState::kBlocked);
  EXPECT_EQ(this->StateOf(c.id), JobState::kBlocked);
  this->MustComplete(a.id, kT0 + 10);
  EXPECT_EQ(this->StateOf(c.id), JobState::kBlocked);  // b has not succeeded yet
  EXPECT_THAT(Ids(MustClaim(this->store(), 100, kT0 + 20)), Not(::testing::Contains(c.id)));
  const Job b_running = MustGet(this->store(), b.id);
  MustOk(this->store().JobCompleteMany(
             {.completions = {{.id = b.id, .lease_token = b_running.lease->token, .result = "{}"}},
              .now = kT0 + 30}),
         "complete b");
  EXPECT_EQ(this->StateOf(c.id), JobState::kPending);
  const JobEvent e = this->LastEvent(c.id);
  EXPECT_EQ(e.from, JobState::kBlocked);
  EXPECT_EQ(e.to, JobState::kPending);
  EXPECT_EQ(e.message, "dependencies succeeded");
  EXPECT_EQ(e.at, kT0 + 30);
  EXPECT_EQ(this->MustClaimJob(c.id, kT0 + 40).state, JobState::kRunning);
}

TYPED_TEST_P(StoreDependenciesConformance, AReleasedDependentWithAFutureRunAtIsScheduled) {
  const Job a = MustInsert(this->store());
  const Job c = this->Insert({a.id}, {.run_at = kT0 + 60000});
  EXPECT_EQ(c.state, JobState::kBlocked);
  this->MustComplete(a.id);
  EXPECT_EQ(this->StateOf(c.id), JobState::kScheduled);
}

TYPED_TEST_P(StoreDependenciesConformance, AFailureCancelsTheWholeChainBelowIt) {
  const Job a = MustInsert(this->store());
  const Job b = this->Insert({a.id}, {}, "https://h.test/b");
  const Job c = this->Insert({b.id});
  const Job d = this->Insert({c.id});
  const Job other = this->Insert({MustInsert(this->store()).id});  // not below a
  this->MustFail(a.id, kT0 + 5);
  const Job gb = MustGet(this->store(), b.id);
  EXPECT_EQ(gb.state, JobState::kCancelled);
  EXPECT_EQ(gb.error, "dependency " + a.id + " failed");
  EXPECT_EQ(gb.finished_at, kT0 + 5);
  EXPECT_EQ(MustGet(this->store(), c.id).error, "dependency " + b.id + " was cancelled");
  EXPECT_EQ(MustGet(this->store(), d.id).error, "dependency " + c.id + " was cancelled");
  EXPECT_EQ(this->StateOf(d.id), JobState::kCancelled);
  EXPECT_EQ(this->StateOf(other.id), JobState::kBlocked);
  const JobEvent e = this->LastEvent(d.id);
  EXPECT_EQ(e.from, JobState::kBlocked);
  EXPECT_EQ(e.to, JobState::kCancelled);
  EXPECT_EQ(e.message, "dependency " + c.id + " was cancelled");
  auto ds = MustOk(this->store().DeliveryList(b.id), "deliveries");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].event, "job.cancelled");
}

TYPED_TEST_P(StoreDependenciesConformance, CancellingADependencyOrABlockedJobCancelsWhatWaitsOnIt) {
  const Job a = MustInsert(this->store());
  const Job b = this->Insert({a.id});
  MustOk(this->store().JobCancel({.id = a.id, .now = kT0 + 1}), "cancel a");
  EXPECT_EQ(MustGet(this->store(), b.id).error, "dependency " + a.id + " was cancelled");
  // A BLOCKED job itself may be cancelled, and its dependents follow.
  const Job x = MustInsert(this->store());
  const Job y = this->Insert({x.id});
  const Job z = this->Insert({y.id});
  const Job cancelled = MustOk(this->store().JobCancel({.id = y.id, .now = kT0 + 2}), "cancel y");
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_EQ(MustGet(this->store(), z.id).error, "dependency " + y.id + " was cancelled");
  EXPECT_EQ(this->StateOf(x.id), JobState::kPending);
}

TYPED_TEST_P(StoreDependenciesConformance, ACancelAcknowledgedWhileRunningCancelsDependents) {
  const Job a = MustInsert(this->store());
  const Job b = this->Insert({a.id});
  const Job running = this->MustClaimJob(a.id);
  MustOk(this->store().JobCancel({.id = a.id, .now = kT0 + 1}), "request");
  EXPECT_EQ(this->StateOf(b.id), JobState::kBlocked);  // a is still running
  MustOk(
      this->store().JobCancelAck({.id = a.id, .lease_token = running.lease->token, .now = kT0 + 2}),
      "ack");
  EXPECT_EQ(this->StateOf(b.id), JobState::kCancelled);
}

TYPED_TEST_P(StoreDependenciesConformance, ALeaseRescueThatFailsAJobCancelsItsDependents) {
  const Job a = MustInsert(this->store(), {.max_attempts = 1});
  const Job b = this->Insert({a.id});
  this->MustClaimJob(a.id);  // lease until kT0 + 30000
  MustOk(this->store().JobRescueExpired({.now = kT0 + 30000}), "rescue");
  EXPECT_EQ(this->StateOf(a.id), JobState::kFailed);
  EXPECT_EQ(MustGet(this->store(), b.id).error, "dependency " + a.id + " failed");
}

TYPED_TEST_P(StoreDependenciesConformance, ExpiryCancelsDependentsAndABlockedJobExpires) {
  Job a = MakeJob();
  a.expires_at = kT0 + 100;
  a = MustInsertMany(this->store(), {a}).front();
  const Job b = this->Insert({a.id});
  Job c = MakeJob();  // blocked on a job that never finishes, until its own expiry
  c.depends_on = {MustInsert(this->store()).id};
  c.expires_at = kT0 + 200;
  c = MustInsertMany(this->store(), {c}).front();
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), kT0 + 100);
  MustOk(this->store().JobExpireDue({.now = kT0 + 100}), "expire a");
  EXPECT_EQ(MustGet(this->store(), b.id).error, "dependency " + a.id + " expired");
  EXPECT_EQ(this->StateOf(b.id), JobState::kCancelled);
  EXPECT_EQ(MustOk(this->store().JobNextExpiry(), "next"), kT0 + 200);
  MustOk(this->store().JobExpireDue({.now = kT0 + 200}), "expire c");
  EXPECT_EQ(this->StateOf(c.id), JobState::kExpired);
  EXPECT_EQ(this->LastEvent(c.id).from, JobState::kBlocked);
}

TYPED_TEST_P(StoreDependenciesConformance, AnUnknownDependencyIsRefusedAndNothingIsInserted) {
  const Job ok = MakeJob();
  Job bad = MakeJob();
  bad.depends_on = {"0190f0f0-0000-7000-8000-00000000dead"};
  const Status s = this->InsertError({ok, bad});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("jobs[1].depends_on"));
  EXPECT_THAT(s.message(), HasSubstr("0190f0f0-0000-7000-8000-00000000dead"));
  EXPECT_EQ(this->store().JobGet(ok.id).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreDependenciesConformance, AJobMayNotDependOnItself) {
  Job j = MakeJob();
  j.depends_on = {j.id};
  const Status s = this->InsertError({j});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("depends_on names the job itself"));
}

TYPED_TEST_P(StoreDependenciesConformance, AChainInsideOneBatchRunsInOrder) {
  Job a = MakeJob();
  Job b = MakeJob();
  Job c = MakeJob();
  c.depends_on = {b.id};  // listed before b is: the order in the batch does not matter
  b.depends_on = {a.id};
  auto stored = MustInsertMany(this->store(), {c, a, b});
  EXPECT_EQ(stored[0].state, JobState::kBlocked);
  EXPECT_EQ(stored[1].state, JobState::kPending);
  EXPECT_EQ(stored[2].state, JobState::kBlocked);
  EXPECT_THAT(Ids(MustClaim(this->store(), 100)), ::testing::ElementsAre(a.id));
  const Job ra = MustGet(this->store(), a.id);
  MustOk(this->store().JobCompleteMany(
             {.completions = {{.id = a.id, .lease_token = ra.lease->token, .result = "{}"}},
              .now = kT0}),
         "complete a");
  EXPECT_EQ(this->StateOf(b.id), JobState::kPending);
  EXPECT_EQ(this->StateOf(c.id), JobState::kBlocked);
  this->MustComplete(b.id);
  EXPECT_EQ(this->StateOf(c.id), JobState::kPending);
}

TYPED_TEST_P(StoreDependenciesConformance, ACycleInsideABatchIsRefused) {
  Job x = MakeJob();
  Job y = MakeJob();
  Job z = MakeJob();
  x.depends_on = {z.id};
  y.depends_on = {x.id};
  z.depends_on = {y.id};
  const Status s = this->InsertError({MakeJob(), x, y, z});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("depends_on forms a cycle"));
  EXPECT_THAT(s.message(), HasSubstr("jobs[1].depends_on, jobs[2].depends_on, jobs[3]"));
}

TYPED_TEST_P(StoreDependenciesConformance, ADependencyThatAlreadyFailedCancelsTheNewJobAtOnce) {
  const Job failed = MustInsert(this->store(), {.state = JobState::kFailed});
  const Job done = MustInsert(this->store(), {.state = JobState::kSucceeded});
  const Job j = this->Insert({done.id, failed.id}, {}, "https://h.test/j");
  EXPECT_EQ(j.state, JobState::kCancelled);
  const Job got = MustGet(this->store(), j.id);
  EXPECT_EQ(got.state, JobState::kCancelled);
  EXPECT_EQ(got.error, "dependency " + failed.id + " failed");
  EXPECT_EQ(got.finished_at, kT0);
  auto ds = MustOk(this->store().DeliveryList(j.id), "deliveries");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].event, "job.cancelled");
  // Met already: a dependency that SUCCEEDED leaves the job to run.
  EXPECT_EQ(this->Insert({done.id}).state, JobState::kPending);
}

TYPED_TEST_P(StoreDependenciesConformance, AnIdempotentReplayOfADependencyPointsAtTheOriginal) {
  Job first = MakeJob({.idempotency_key = "dep-key"});
  first = MustInsertMany(this->store(), {first}).front();
  Job again = MakeJob({.idempotency_key = "dep-key"});  // same request: replays `first`
  Job dependent = MakeJob();
  dependent.depends_on = {again.id};
  auto out = MustOk(this->store().JobInsertMany({.jobs = {again, dependent}, .now = kT0}), "ins");
  EXPECT_FALSE(out[0].is_new);
  EXPECT_EQ(out[0].job.id, first.id);
  EXPECT_EQ(out[1].job.depends_on, std::vector<std::string>{first.id});
  EXPECT_EQ(MustGet(this->store(), dependent.id).depends_on, std::vector<std::string>{first.id});
  this->MustComplete(first.id);
  EXPECT_EQ(this->StateOf(dependent.id), JobState::kPending);
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreDependenciesConformance, ADependentIsReleasedOnlyWhenEveryDependencySucceeded,
    AReleasedDependentWithAFutureRunAtIsScheduled, AFailureCancelsTheWholeChainBelowIt,
    CancellingADependencyOrABlockedJobCancelsWhatWaitsOnIt,
    ACancelAcknowledgedWhileRunningCancelsDependents, ALeaseRescueThatFailsAJobCancelsItsDependents,
    ExpiryCancelsDependentsAndABlockedJobExpires, AnUnknownDependencyIsRefusedAndNothingIsInserted,
    AJobMayNotDependOnItself, AChainInsideOneBatchRunsInOrder, ACycleInsideABatchIsRefused,
    ADependencyThatAlreadyFailedCancelsTheNewJobAtOnce,
    AnIdempotentReplayOfADependencyPointsAtTheOriginal);

}  // namespace conveyor::testing
