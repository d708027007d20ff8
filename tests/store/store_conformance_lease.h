// Store conformance, part 2: the lease lifecycle — claim, complete, fail, heartbeat, cancel,
// retry, release, rescue — and the audit trail each transition leaves. Included by
// store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreLeaseConformance : public StoreTest<Factory> {
 protected:
  // Inserts a job and claims it; returns the RUNNING job (with its lease).
  Job Running(const JobOptions& o = {}) {
    const Job j = MustInsert(this->store(), o);
    auto claimed = MustClaim(this->store(), 1);
    if (claimed.size() != 1 || claimed[0].id != j.id) throw std::runtime_error("claim mismatch");
    return claimed[0];
  }
  Status Complete(const Job& j, const std::string& token, const std::string& result = "{}") {
    auto r = this->store().JobCompleteMany(
        {.completions = {{.id = j.id, .lease_token = token, .result = result}}, .now = kT0 + 10});
    if (!r.ok()) return r.status();
    return r->at(0);
  }
  Result<Job> Fail(const Job& j, bool retryable = true, TimeMs retry_at = kT0 + 5000) {
    return this->store().JobFail({.id = j.id, .lease_token = j.lease->token, .error = "boom",
                                  .retryable = retryable, .retry_at = retry_at, .now = kT0 + 10});
  }
};
TYPED_TEST_SUITE_P(StoreLeaseConformance);

using ::testing::ElementsAre;

TYPED_TEST_P(StoreLeaseConformance, ClaimOrdersByPriorityThenRunAt) {
  const Job low = MustInsert(this->store(), {.priority = 9, .run_at = kT0 - 100});
  const Job high_late = MustInsert(this->store(), {.priority = 1, .run_at = kT0 - 10});
  const Job high_early = MustInsert(this->store(), {.priority = 1, .run_at = kT0 - 50});
  const Job mid = MustInsert(this->store(), {.priority = 5, .run_at = kT0 - 1});
  auto first = MustClaim(this->store(), 2);
  EXPECT_THAT(Ids(first), ElementsAre(high_early.id, high_late.id));
  auto rest = MustClaim(this->store(), 10);
  EXPECT_THAT(Ids(rest), ElementsAre(mid.id, low.id));
  EXPECT_TRUE(MustClaim(this->store(), 10).empty());
}

TYPED_TEST_P(StoreLeaseConformance, ClaimSkipsJobsNotYetDue) {
  const Job later = MustInsert(this->store(), {.state = JobState::kScheduled, .run_at = kT0 + 1});
  EXPECT_TRUE(MustClaim(this->store(), 10, kT0).empty());
  auto due = MustClaim(this->store(), 10, kT0 + 1);
  EXPECT_THAT(Ids(due), ElementsAre(later.id));
}

TYPED_TEST_P(StoreLeaseConformance, ClaimTakesDueScheduledAndRetryingJobs) {
  const Job s = MustInsert(this->store(), {.state = JobState::kScheduled, .run_at = kT0 - 2});
  const Job r = MustInsert(this->store(), {.state = JobState::kRetrying, .run_at = kT0 - 1});
  auto got = MustClaim(this->store(), 10);
  EXPECT_THAT(Ids(got), ElementsAre(s.id, r.id));
  auto events = MustOk(this->store().JobEventList(r.id), "events");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].from, JobState::kRetrying);
  EXPECT_EQ(events[1].to, JobState::kRunning);
}

TYPED_TEST_P(StoreLeaseConformance, ClaimFiltersByTypesAndQueues) {
  const Job a = MustInsert(this->store(), {.type = "a", .queue = "q1"});
  const Job b = MustInsert(this->store(), {.type = "b", .queue = "q2"});
  const Job c = MustInsert(this->store(), {.type = "c", .queue = "q1"});
  auto by_type = MustOk(this->store().JobClaim({.worker_id = "w", .max = 10, .now = kT0,
                                                .types = {"b", "zzz"}}), "types");
  EXPECT_THAT(Ids(by_type), ElementsAre(b.id));
  auto by_queue = MustOk(this->store().JobClaim({.worker_id = "w", .max = 10, .now = kT0,
                                                 .queues = {"q1"}, }), "queues");
  EXPECT_THAT(Ids(by_queue), ElementsAre(a.id, c.id));
}

TYPED_TEST_P(StoreLeaseConformance, ClaimStartsAnAttemptWithAFreshLease) {
  MustInsert(this->store());
  MustInsert(this->store());
  auto got = MustOk(this->store().JobClaim({.worker_id = "node/w7", .max = 2, .now = kT0 + 3,
                                            .lease_ms = 1000}), "claim");
  ASSERT_EQ(got.size(), 2u);
  for (const Job& j : got) {
    EXPECT_EQ(j.state, JobState::kRunning);
    EXPECT_EQ(j.attempt, 1);
    EXPECT_EQ(j.started_at, kT0 + 3);
    EXPECT_EQ(j.updated_at, kT0 + 3);
    ASSERT_TRUE(j.lease.has_value());
    EXPECT_EQ(j.lease->owner, "node/w7");
    EXPECT_EQ(j.lease->expires_at, kT0 + 1003);
    EXPECT_EQ(j.lease->token.size(), 32u);
    EXPECT_EQ(MustGet(this->store(), j.id).lease->token, j.lease->token);
  }
  EXPECT_NE(got[0].lease->token, got[1].lease->token);
}

TYPED_TEST_P(StoreLeaseConformance, ConcurrentClaimersNeverShareAJob) {
  constexpr int kJobs = 300;
  std::vector<Job> jobs;
  for (int i = 0; i < kJobs; ++i) jobs.push_back(MakeJob());
  MustInsertMany(this->store(), jobs);
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        auto got = MustClaim(this->store(), 7, kT0, "w" + std::to_string(t));
        if (got.empty()) return;
        std::lock_guard<std::mutex> lock(mu);
        for (const Job& j : got) claimed.push_back(j.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
}

TYPED_TEST_P(StoreLeaseConformance, CompleteWithTheLeaseTokenSucceeds) {
  const Job j = this->Running();
  ASSERT_TRUE(this->Complete(j, j.lease->token, R"({"sum":14})").ok());
  const Job done = MustGet(this->store(), j.id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.result, R"({"sum":14})");
  EXPECT_EQ(done.progress, 100);
  EXPECT_EQ(done.finished_at, kT0 + 10);
  EXPECT_FALSE(done.lease.has_value());
}

TYPED_TEST_P(StoreLeaseConformance, CompleteWithAStaleTokenChangesNothing) {
  const Job j = this->Running();
  const Status stale = this->Complete(j, "not-the-token");
  EXPECT_EQ(stale.code(), StatusCode::kConflict);
  EXPECT_EQ(MustGet(this->store(), j.id).state, JobState::kRunning);
  ASSERT_TRUE(this->Complete(j, j.lease->token).ok());
  EXPECT_EQ(this->Complete(j, j.lease->token).code(), StatusCode::kConflict);  // already done
  Job ghost = MakeJob();
  EXPECT_EQ(this->Complete(ghost, "t").code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreLeaseConformance, CompleteManyReportsEachEntry) {
  const Job a = MustInsert(this->store());
  const Job b = MustInsert(this->store());
  auto claimed = MustClaim(this->store(), 2);
  auto out = MustOk(this->store().JobCompleteMany(
                        {.completions = {{claimed[0].id, claimed[0].lease->token, "1"},
                                         {claimed[1].id, "stale", "2"}},
                         .now = kT0 + 1}),
                    "complete");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].ok());
  EXPECT_EQ(out[1].code(), StatusCode::kConflict);
  EXPECT_EQ(MustGet(this->store(), claimed[0].id).state, JobState::kSucceeded);
  EXPECT_EQ(MustGet(this->store(), claimed[1].id).state, JobState::kRunning);
  // The same job twice in one call: the first entry decides, the repeat is a Conflict.
  auto twice = MustOk(this->store().JobCompleteMany(
                          {.completions = {{claimed[1].id, claimed[1].lease->token, "3"},
                                           {claimed[1].id, claimed[1].lease->token, "4"}},
                           .now = kT0 + 2}),
                      "complete twice");
  EXPECT_TRUE(twice[0].ok());
  EXPECT_EQ(twice[1].code(), StatusCode::kConflict);
  EXPECT_EQ(MustGet(this->store(), claimed[1].id).result, "3");
  EXPECT_EQ(MustOk(this->store().JobEventList(claimed[1].id), "events").size(), 3u);
  (void)a;
  (void)b;
}

TYPED_TEST_P(StoreLeaseConformance, FailWithAttemptsLeftWaitsInRetrying) {
  const Job j = this->Running();
  const Job failed = MustOk(this->Fail(j, true, kT0 + 5000), "fail");
  EXPECT_EQ(failed.state, JobState::kRetrying);
  EXPECT_EQ(failed.run_at, kT0 + 5000);
  EXPECT_EQ(failed.error, "boom");
  EXPECT_EQ(failed.finished_at, std::nullopt);
  EXPECT_FALSE(failed.lease.has_value());
  EXPECT_TRUE(MustClaim(this->store(), 1, kT0 + 4999).empty());
  auto again = MustClaim(this->store(), 1, kT0 + 5000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
}

TYPED_TEST_P(StoreLeaseConformance, FailOnTheLastAttemptIsFailed) {
  Job j = this->Running({.max_attempts = 1});
  const Job failed = MustOk(this->Fail(j), "fail");
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.finished_at, kT0 + 10);
  EXPECT_EQ(failed.error, "boom");
}

TYPED_TEST_P(StoreLeaseConformance, NonRetryableFailureIsFailedAtOnce) {
  const Job j = this->Running({.max_attempts = 5});
  EXPECT_EQ(MustOk(this->Fail(j, false), "fail").state, JobState::kFailed);
}

TYPED_TEST_P(StoreLeaseConformance, FailWithAStaleTokenIsConflict) {
  Job j = this->Running();
  j.lease->token = "stale";
  EXPECT_EQ(this->Fail(j).status().code(), StatusCode::kConflict);
  EXPECT_EQ(MustGet(this->store(), j.id).state, JobState::kRunning);
}

TYPED_TEST_P(StoreLeaseConformance, HeartbeatExtendsTheLeaseAndReportsProgress) {
  const Job j = this->Running();
  auto hb = MustOk(this->store().JobHeartbeat({.id = j.id, .lease_token = j.lease->token,
                                               .lease_expires_at = kT0 + 99000, .progress = 40,
                                               .message = "halfway", .current_step = "parse",
                                               .now = kT0 + 5}), "heartbeat");
  EXPECT_FALSE(hb.cancel_requested);
  const Job got = MustGet(this->store(), j.id);
  EXPECT_EQ(got.lease->expires_at, kT0 + 99000);
  EXPECT_EQ(got.progress, 40);
  EXPECT_EQ(got.message, "halfway");
  EXPECT_EQ(got.current_step, "parse");
  // Nothing expired: the extended lease is not rescued at the old expiry.
  EXPECT_TRUE(MustOk(this->store().JobRescueExpired({.now = kT0 + 30001}), "rescue").empty());
}

TYPED_TEST_P(StoreLeaseConformance, HeartbeatWithAStaleTokenIsConflict) {
  const Job j = this->Running();
  auto r = this->store().JobHeartbeat({.id = j.id, .lease_token = "stale",
                                       .lease_expires_at = kT0 + 1, .now = kT0});
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  auto ghost = this->store().JobHeartbeat({.id = MakeJob().id, .lease_token = "t", .now = kT0});
  EXPECT_EQ(ghost.status().code(), StatusCode::kNotFound);
  auto bad = this->store().JobHeartbeat({.id = j.id, .lease_token = j.lease->token,
                                         .lease_expires_at = kT0 + 1, .progress = 101,
                                         .now = kT0});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MustGet(this->store(), j.id).progress, 0);
}

TYPED_TEST_P(StoreLeaseConformance, CancelAWaitingJobEndsItAtOnce) {
  const Job j = MustInsert(this->store());
  const Job cancelled = MustOk(this->store().JobCancel({.id = j.id, .now = kT0 + 1}), "cancel");
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_EQ(cancelled.finished_at, kT0 + 1);
  EXPECT_TRUE(MustClaim(this->store(), 1).empty());
}

TYPED_TEST_P(StoreLeaseConformance, CancelARunningJobAsksItToStop) {
  const Job j = this->Running();
  const Job asked = MustOk(this->store().JobCancel({.id = j.id, .now = kT0 + 1}), "cancel");
  EXPECT_EQ(asked.state, JobState::kRunning);
  EXPECT_TRUE(asked.cancel_requested);
  auto hb = MustOk(this->store().JobHeartbeat({.id = j.id, .lease_token = j.lease->token,
                                               .lease_expires_at = kT0 + 9000, .now = kT0 + 2}),
                   "heartbeat");
  EXPECT_TRUE(hb.cancel_requested);
  auto stale = this->store().JobCancelAck({.id = j.id, .lease_token = "stale", .now = kT0 + 3});
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);
  const Job acked = MustOk(this->store().JobCancelAck({.id = j.id, .lease_token = j.lease->token,
                                                       .now = kT0 + 3}), "ack");
  EXPECT_EQ(acked.state, JobState::kCancelled);
  EXPECT_EQ(acked.finished_at, kT0 + 3);
  EXPECT_FALSE(acked.lease.has_value());
}

TYPED_TEST_P(StoreLeaseConformance, CancelATerminalJobIsFailedPrecondition) {
  const Job j = this->Running();
  ASSERT_TRUE(this->Complete(j, j.lease->token).ok());
  auto r = this->store().JobCancel({.id = j.id, .now = kT0 + 20});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "job " + j.id +
                                      " is already SUCCEEDED; only waiting or running jobs can be "
                                      "cancelled");
  EXPECT_EQ(this->store().JobCancel({.id = MakeJob().id}).status().code(),
            StatusCode::kNotFound);
}

TYPED_TEST_P(StoreLeaseConformance, RetryGivesAFreshBudget) {
  const Job j = this->Running({.max_attempts = 1});
  MustOk(this->Fail(j), "fail");
  const Job retried = MustOk(this->store().JobRetry({.id = j.id, .now = kT0 + 50}), "retry");
  EXPECT_EQ(retried.state, JobState::kPending);
  EXPECT_EQ(retried.attempt, 0);
  EXPECT_EQ(retried.run_at, kT0 + 50);
  EXPECT_EQ(retried.error, std::nullopt);
  EXPECT_EQ(retried.finished_at, std::nullopt);
  EXPECT_EQ(retried.result, std::nullopt);
  const Job cancelled = MustInsert(this->store());
  MustOk(this->store().JobCancel({.id = cancelled.id, .now = kT0}), "cancel");
  EXPECT_EQ(MustOk(this->store().JobRetry({.id = cancelled.id, .now = kT0}), "retry").state,
            JobState::kPending);
  auto again = MustClaim(this->store(), 5, kT0 + 50);
  EXPECT_EQ(again.size(), 2u);
}

TYPED_TEST_P(StoreLeaseConformance, RetryRefusesJobsThatAreNotFinishedOrFailed) {
  const Job running = this->Running();
  const Job pending = MustInsert(this->store());
  auto r = this->store().JobRetry({.id = pending.id, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "job " + pending.id + " is PENDING; only FAILED, CANCELLED or EXPIRED jobs can be "
            "retried");
  EXPECT_EQ(this->store().JobRetry({.id = running.id}).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(this->Complete(running, running.lease->token).ok());
  EXPECT_EQ(this->store().JobRetry({.id = running.id}).status().code(),
            StatusCode::kFailedPrecondition);
}

TYPED_TEST_P(StoreLeaseConformance, RescueTurnsExpiredLeasesIntoFailedAttempts) {
  MustInsert(this->store(), {.max_attempts = 2});
  MustInsert(this->store(), {.max_attempts = 1});
  auto claimed = MustClaim(this->store(), 2);  // lease until kT0 + 30000
  const Job fresh = MustInsert(this->store());
  MustOk(this->store().JobClaim({.worker_id = "w", .max = 1, .now = kT0 + 20000}), "claim late");
  EXPECT_TRUE(MustOk(this->store().JobRescueExpired({.now = kT0 + 29999}), "early").empty());
  auto rescued = MustOk(this->store().JobRescueExpired({.now = kT0 + 30000,
                                                        .retry_delay_ms = 700}), "rescue");
  EXPECT_EQ(std::set<std::string>(rescued.begin(), rescued.end()),
            (std::set<std::string>{claimed[0].id, claimed[1].id}));
  for (const Job& c : claimed) {
    const Job got = MustGet(this->store(), c.id);
    EXPECT_EQ(got.error, "lease expired (worker lost)");
    EXPECT_FALSE(got.lease.has_value());
    if (c.max_attempts == 2) {
      EXPECT_EQ(got.state, JobState::kRetrying);
      EXPECT_EQ(got.run_at, kT0 + 30700);
    } else {
      EXPECT_EQ(got.state, JobState::kFailed);
      EXPECT_EQ(got.finished_at, kT0 + 30000);
    }
  }
  EXPECT_EQ(MustGet(this->store(), fresh.id).state, JobState::kRunning);
}

TYPED_TEST_P(StoreLeaseConformance, ALostLeaseCannotCompleteTheNextAttempt) {
  const Job first = this->Running();
  MustOk(this->store().JobRescueExpired({.now = kT0 + 30000}), "rescue");
  auto second = MustClaim(this->store(), 1, kT0 + 30000, "w2");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2);
  EXPECT_EQ(this->Complete(first, first.lease->token).code(), StatusCode::kConflict);
  EXPECT_TRUE(this->Complete(second[0], second[0].lease->token).ok());
}

TYPED_TEST_P(StoreLeaseConformance, ReleaseReturnsUnstartedJobsToPending) {
  MustInsert(this->store());
  MustInsert(this->store());
  auto claimed = MustClaim(this->store(), 2);
  const int released = MustOk(
      this->store().JobReleaseMany({.jobs = {{claimed[0].id, claimed[0].lease->token},
                                             {claimed[1].id, "stale"}},
                                    .now = kT0 + 1}),
      "release");
  EXPECT_EQ(released, 1);
  const Job back = MustGet(this->store(), claimed[0].id);
  EXPECT_EQ(back.state, JobState::kPending);
  EXPECT_EQ(back.attempt, 0);
  EXPECT_FALSE(back.lease.has_value());
  EXPECT_EQ(MustGet(this->store(), claimed[1].id).state, JobState::kRunning);
}

TYPED_TEST_P(StoreLeaseConformance, EveryTransitionAppendsAnEventInOrder) {
  const Job j = this->Running({.max_attempts = 2});
  MustOk(this->Fail(j, true, kT0 + 100), "fail");
  auto second = MustClaim(this->store(), 1, kT0 + 100);
  MustOk(this->store().JobCancel({.id = j.id, .now = kT0 + 101}), "cancel");
  MustOk(this->store().JobCancelAck({.id = j.id, .lease_token = second[0].lease->token,
                                     .now = kT0 + 102}), "ack");
  MustOk(this->store().JobRetry({.id = j.id, .now = kT0 + 103}), "retry");
  auto events = MustOk(this->store().JobEventList(j.id), "events");
  using S = JobState;
  std::vector<std::tuple<std::optional<S>, S, int>> got;
  for (const JobEvent& e : events) got.emplace_back(e.from, e.to, e.attempt);
  EXPECT_THAT(got, ElementsAre(std::make_tuple(std::nullopt, S::kPending, 0),
                               std::make_tuple(S::kPending, S::kRunning, 1),
                               std::make_tuple(S::kRunning, S::kRetrying, 1),
                               std::make_tuple(S::kRetrying, S::kRunning, 2),
                               std::make_tuple(S::kRunning, S::kRunning, 2),
                               std::make_tuple(S::kRunning, S::kCancelled, 2),
                               std::make_tuple(S::kCancelled, S::kPending, 0)));
  EXPECT_EQ(events[2].message, "boom");
  EXPECT_EQ(events[4].message, "cancel requested");
  EXPECT_EQ(events[6].at, kT0 + 103);
}

REGISTER_TYPED_TEST_SUITE_P(StoreLeaseConformance, ClaimOrdersByPriorityThenRunAt,
                            ClaimSkipsJobsNotYetDue, ClaimTakesDueScheduledAndRetryingJobs,
                            ClaimFiltersByTypesAndQueues, ClaimStartsAnAttemptWithAFreshLease,
                            ConcurrentClaimersNeverShareAJob, CompleteWithTheLeaseTokenSucceeds,
                            CompleteWithAStaleTokenChangesNothing, CompleteManyReportsEachEntry,
                            FailWithAttemptsLeftWaitsInRetrying, FailOnTheLastAttemptIsFailed,
                            NonRetryableFailureIsFailedAtOnce, FailWithAStaleTokenIsConflict,
                            HeartbeatExtendsTheLeaseAndReportsProgress,
                            HeartbeatWithAStaleTokenIsConflict, CancelAWaitingJobEndsItAtOnce,
                            CancelARunningJobAsksItToStop, CancelATerminalJobIsFailedPrecondition,
                            RetryGivesAFreshBudget, RetryRefusesJobsThatAreNotFinishedOrFailed,
                            RescueTurnsExpiredLeasesIntoFailedAttempts,
                            ALostLeaseCannotCompleteTheNextAttempt,
                            ReleaseReturnsUnstartedJobsToPending,
                            EveryTransitionAppendsAnEventInOrder);

}  // namespace conveyor::testing
