// Store conformance, part 3: webhook deliveries (created in the transaction of every terminal
// transition of a job with a webhook_url, claimed, recorded, redelivered), nodes, leadership,
// claim exclusions and result_ref. Included by store_conformance.h; see there how a backend
// plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

inline constexpr const char* kHookUrl = "https://hooks.example.test/conveyor";

template <class Factory>
class StoreExtrasConformance : public StoreTest<Factory> {
 protected:
  Job InsertHooked(const JobOptions& o = {}, const char* url = kHookUrl) {
    Job j = MakeJob(o);
    j.webhook_url = url;
    return MustInsertMany(this->store(), {j}).front();
  }
  // Claims exactly `j` (the only waiting job) and returns it RUNNING.
  Job Claim(const Job& j, TimeMs now = kT0) {
    auto claimed = MustClaim(this->store(), 1, now);
    if (claimed.size() != 1 || claimed[0].id != j.id) throw std::runtime_error("claim mismatch");
    return claimed[0];
  }
  Job RunningHooked(const JobOptions& o = {}) { return Claim(InsertHooked(o)); }
  void Complete(const Job& running, TimeMs now,
                std::optional<std::string> result_ref = std::nullopt) {
    auto out = MustOk(
        this->store().JobCompleteMany({.completions = {{.id = running.id,
                                                        .lease_token = running.lease->token,
                                                        .result = "{}",
                                                        .result_ref = std::move(result_ref)}},
                                       .now = now}),
        "complete");
    MustOk(out.at(0), "complete entry");
  }
  Job FailFinal(const Job& running, TimeMs now) {
    return MustOk(this->store().JobFail({.id = running.id,
                                         .lease_token = running.lease->token,
                                         .error = "boom",
                                         .retryable = false,
                                         .now = now}),
                  "fail");
  }
  std::vector<WebhookDelivery> Deliveries(const std::string& job_id) {
    return MustOk(this->store().DeliveryList(job_id), "deliveries");
  }
  // A job with a webhook that succeeded at `at`: its delivery is due from `at` on.
  Job SucceededAt(TimeMs at) {
    const Job j = RunningHooked();
    Complete(j, at);
    return j;
  }
  std::vector<WebhookDelivery> ClaimDue(TimeMs now, int limit = 100, TimeMs lease_ms = 60000) {
    return MustOk(
        this->store().DeliveryClaimDue({.now = now, .limit = limit, .lease_ms = lease_ms}),
        "claim due");
  }
  Status Record(const Job& j, int n, DeliveryOutcome outcome, TimeMs now,
                std::optional<int> status_code, const std::string& error = "",
                TimeMs next_attempt_at = 0, const std::string& payload = R"({"v":1})") {
    return this->store().DeliveryRecord({.job_id = j.id,
                                         .n = n,
                                         .now = now,
                                         .outcome = outcome,
                                         .next_attempt_at = next_attempt_at,
                                         .payload = payload,
                                         .status_code = status_code,
                                         .error = error,
                                         .duration_ms = 12});
  }
  int64_t CountPending() { return MustOk(this->store().DeliveryCountPending(), "count"); }
  std::optional<TimeMs> NextAt() { return MustOk(this->store().DeliveryNextAt(), "next at"); }
};
TYPED_TEST_SUITE_P(StoreExtrasConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// (job id, n, event) of each delivery, for compact comparisons.
inline std::vector<std::tuple<std::string, int, std::string>> Keys(
    const std::vector<WebhookDelivery>& ds) {
  std::vector<std::tuple<std::string, int, std::string>> keys;
  for (const WebhookDelivery& d : ds) keys.emplace_back(d.job_id, d.n, d.event);
  return keys;
}

TYPED_TEST_P(StoreExtrasConformance, SucceededJobWithAWebhookGetsAPendingDelivery) {
  const Job j = this->SucceededAt(kT0 + 10);
  const auto ds = this->Deliveries(j.id);
  ASSERT_EQ(ds.size(), 1u);
  const WebhookDelivery& d = ds[0];
  EXPECT_EQ(d.job_id, j.id);
  EXPECT_EQ(d.n, 1);
  EXPECT_EQ(d.event, "job.succeeded");
  EXPECT_EQ(d.url, kHookUrl);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.payload, std::nullopt);
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.next_attempt_at, kT0 + 10);
  EXPECT_EQ(d.last_status, std::nullopt);
  EXPECT_EQ(d.last_error, std::nullopt);
  EXPECT_EQ(d.created_at, kT0 + 10);
  EXPECT_EQ(d.updated_at, kT0 + 10);
  EXPECT_EQ(d.delivered_at, std::nullopt);
  EXPECT_THAT(d.attempt_log, IsEmpty());
}

TYPED_TEST_P(StoreExtrasConformance, EveryTerminalPathCreatesADelivery) {
  const Job failed = this->RunningHooked();
  this->FailFinal(failed, kT0 + 1);
  const Job waiting = this->InsertHooked();
  MustOk(this->store().JobCancel({.id = waiting.id, .now = kT0 + 2}), "cancel waiting");
  const Job running = this->RunningHooked();
  MustOk(this->store().JobCancel({.id = running.id, .now = kT0 + 3}), "cancel request");
  MustOk(this->store().JobCancelAck(
             {.id = running.id, .lease_token = running.lease->token, .now = kT0 + 4}),
         "cancel ack");
  const Job lost = this->RunningHooked({.max_attempts = 1});
  auto rescued = MustOk(this->store().JobRescueExpired({.now = kT0 + 30000}), "rescue");
  ASSERT_THAT(rescued, ElementsAre(lost.id));
  using K = std::tuple<std::string, int, std::string>;
  EXPECT_THAT(Keys(this->Deliveries(failed.id)), ElementsAre(K{failed.id, 1, "job.failed"}));
  EXPECT_THAT(Keys(this->Deliveries(waiting.id)), ElementsAre(K{waiting.id, 1, "job.cancelled"}));
  EXPECT_THAT(Keys(this->Deliveries(running.id)), ElementsAre(K{running.id, 1, "job.cancelled"}));
  EXPECT_THAT(Keys(this->Deliveries(lost.id)), ElementsAre(K{lost.id, 1, "job.failed"}));
  EXPECT_EQ(this->Deliveries(waiting.id)[0].next_attempt_at, kT0 + 2);
  EXPECT_EQ(this->Deliveries(running.id)[0].next_attempt_at, kT0 + 4);
  EXPECT_EQ(this->Deliveries(lost.id)[0].next_attempt_at, kT0 + 30000);
  EXPECT_EQ(this->CountPending(), 4);
}

TYPED_TEST_P(StoreExtrasConformance, NonTerminalTransitionsCreateNoDelivery) {
  const Job retried = this->RunningHooked({.max_attempts = 3});
  auto r = MustOk(this->store().JobFail({.id = retried.id,
                                         .lease_token = retried.lease->token,
                                         .error = "flaky",
                                         .retry_at = kT0 + 99999,
                                         .now = kT0 + 1}),
                  "fail");
  ASSERT_EQ(r.state, JobState::kRetrying);
  const Job lost = this->RunningHooked({.max_attempts = 2});
  MustOk(this->store().JobCancel({.id = lost.id, .now = kT0 + 2}), "cancel request");
  MustOk(this->store().JobRescueExpired({.now = kT0 + 30000, .retry_delay_ms = 99999}), "rescue");
  ASSERT_EQ(MustGet(this->store(), lost.id).state, JobState::kRetrying);
  const Job released = this->RunningHooked();
  MustOk(this->store().JobReleaseMany(
             {.jobs = {{released.id, released.lease->token}}, .now = kT0 + 3}),
         "release");
  for (const Job* j : {&retried, &lost, &released}) {
    EXPECT_THAT(this->Deliveries(j->id), IsEmpty()) << j->id;
  }
  EXPECT_EQ(this->CountPending(), 0);
}

TYPED_TEST_P(StoreExtrasConformance, JobsWithoutAWebhookUrlGetNoDelivery) {
  const Job ok = MustInsert(this->store());
  this->Complete(this->Claim(ok), kT0 + 1);
  const Job failed = MustInsert(this->store());
  this->FailFinal(this->Claim(failed), kT0 + 2);
  const Job cancelled = MustInsert(this->store());
  MustOk(this->store().JobCancel({.id = cancelled.id, .now = kT0 + 3}), "cancel");
  const Job lost = MustInsert(this->store(), {.max_attempts = 1});
  this->Claim(lost);
  MustOk(this->store().JobRescueExpired({.now = kT0 + 30000}), "rescue");
  for (const Job* j : {&ok, &failed, &cancelled, &lost}) {
    EXPECT_THAT(this->Deliveries(j->id), IsEmpty()) << j->id;
  }
  EXPECT_EQ(this->CountPending(), 0);
  EXPECT_EQ(this->NextAt(), std::nullopt);
  EXPECT_THAT(this->ClaimDue(kT0 + 99999), IsEmpty());
}

TYPED_TEST_P(StoreExtrasConformance, EachTerminalStateAfterARetryGetsTheNextNumber) {
  const Job j = this->RunningHooked();
  this->FailFinal(j, kT0 + 1);
  MustOk(this->store().JobRetry({.id = j.id, .now = kT0 + 2}), "retry");
  this->Complete(this->Claim(j, kT0 + 2), kT0 + 3);
  using K = std::tuple<std::string, int, std::string>;
  EXPECT_THAT(Keys(this->Deliveries(j.id)),
              ElementsAre(K{j.id, 1, "job.failed"}, K{j.id, 2, "job.succeeded"}));
}

TYPED_TEST_P(StoreExtrasConformance, ClaimDueTakesDueDeliveriesOldestFirstAndLeasesThem) {
  const Job late = this->SucceededAt(kT0 + 30);
  const Job early = this->SucceededAt(kT0 + 10);
  const Job future = this->SucceededAt(kT0 + 500);
  auto first = this->ClaimDue(kT0 + 100, 1, 1000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].job_id, early.id);
  EXPECT_EQ(first[0].n, 1);
  EXPECT_EQ(first[0].url, kHookUrl);
  EXPECT_EQ(first[0].state, DeliveryState::kPending);
  EXPECT_EQ(first[0].next_attempt_at, kT0 + 1100);  // leased: due again if the sender dies
  auto rest = this->ClaimDue(kT0 + 100, 10, 2000);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].job_id, late.id);
  EXPECT_THAT(this->ClaimDue(kT0 + 100), IsEmpty());  // leased rows are not due
  EXPECT_EQ(this->Deliveries(early.id)[0].next_attempt_at, kT0 + 1100);
  EXPECT_EQ(this->CountPending(), 3);  // a lease does not change the state
  auto after = this->ClaimDue(kT0 + 2100, 10, 1000);
  std::vector<std::string> ids;
  for (const auto& d : after) ids.push_back(d.job_id);
  EXPECT_THAT(ids, ElementsAre(future.id, early.id, late.id));  // by next_attempt_at
  EXPECT_THAT(this->ClaimDue(kT0 + 1100, 0), IsEmpty());
}

TYPED_TEST_P(StoreExtrasConformance, ConcurrentDeliveryClaimersNeverShareARow) {
  constexpr int kJobs = 40;
  std::vector<Job> jobs;
  for (int i = 0; i < kJobs; ++i) {
    Job j = MakeJob();
    j.webhook_url = kHookUrl;
    jobs.push_back(std::move(j));
  }
  MustInsertMany(this->store(), jobs);
  for (const Job& j : MustClaim(this->store(), kJobs)) this->Complete(j, kT0 + 1);
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (true) {
        auto got = this->ClaimDue(kT0 + 2, 3);
        if (got.empty()) return;
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& d : got) claimed.push_back(d.job_id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
}

TYPED_TEST_P(StoreExtrasConformance, RecordDeliveredEndsTheDeliveryAndLogsTheAttempt) {
  const Job j = this->SucceededAt(kT0 + 10);
  ASSERT_EQ(this->ClaimDue(kT0 + 10).size(), 1u);
  MustOk(this->Record(j, 1, DeliveryOutcome::kDelivered, kT0 + 20, 204), "record");
  const auto ds = this->Deliveries(j.id);
  ASSERT_EQ(ds.size(), 1u);
  const WebhookDelivery& d = ds[0];
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.payload, R"({"v":1})");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_status, 204);
  EXPECT_EQ(d.last_error, std::nullopt);
  EXPECT_EQ(d.delivered_at, kT0 + 20);
  EXPECT_EQ(d.updated_at, kT0 + 20);
  ASSERT_EQ(d.attempt_log.size(), 1u);
  EXPECT_EQ(d.attempt_log[0].attempt, 1);
  EXPECT_EQ(d.attempt_log[0].at, kT0 + 20);
  EXPECT_EQ(d.attempt_log[0].status_code, 204);
  EXPECT_EQ(d.attempt_log[0].error, "");
  EXPECT_EQ(d.attempt_log[0].duration_ms, 12);
  EXPECT_EQ(this->CountPending(), 0);
  EXPECT_EQ(this->NextAt(), std::nullopt);
  EXPECT_THAT(this->ClaimDue(kT0 + 999999), IsEmpty());
}

TYPED_TEST_P(StoreExtrasConformance, RecordRetryKeepsItPendingAndFreezesThePayload) {
  const Job j = this->SucceededAt(kT0 + 10);
  MustOk(this->Record(j, 1, DeliveryOutcome::kRetry, kT0 + 20, 503, "HTTP 503", kT0 + 5000),
         "retry");
  WebhookDelivery d = this->Deliveries(j.id).at(0);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.next_attempt_at, kT0 + 5000);
  EXPECT_EQ(d.last_status, 503);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_THAT(this->ClaimDue(kT0 + 4999), IsEmpty());
  auto again = this->ClaimDue(kT0 + 5000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].payload, R"({"v":1})");  // every retry sends the same bytes
  EXPECT_EQ(again[0].attempts, 1);
  MustOk(this->Record(j, 1, DeliveryOutcome::kFailed, kT0 + 5001, std::nullopt,
                      "connection refused", 0, R"({"v":2})"),
         "failed");
  d = this->Deliveries(j.id).at(0);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.payload, R"({"v":1})");
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.last_status, std::nullopt);
  EXPECT_EQ(d.last_error, "connection refused");
  EXPECT_EQ(d.delivered_at, std::nullopt);
  std::vector<std::tuple<int, TimeMs, std::optional<int>, std::string>> log;
  for (const auto& a : d.attempt_log) log.emplace_back(a.attempt, a.at, a.status_code, a.error);
  EXPECT_THAT(
      log, ElementsAre(std::make_tuple(1, kT0 + 20, std::optional<int>(503), "HTTP 503"),
                       std::make_tuple(2, kT0 + 5001, std::optional<int>(), "connection refused")));
  EXPECT_EQ(this->CountPending(), 0);
}

TYPED_TEST_P(StoreExtrasConformance, RecordOnlyAppliesToPendingDeliveries) {
  const Job j = this->SucceededAt(kT0 + 10);
  MustOk(this->Record(j, 1, DeliveryOutcome::kDelivered, kT0 + 20, 200), "record");
  const Status again = this->Record(j, 1, DeliveryOutcome::kRetry, kT0 + 21, 500, "x", kT0 + 99);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
  EXPECT_EQ(this->Record(j, 2, DeliveryOutcome::kDelivered, kT0 + 21, 200).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(this->Record(MakeJob(), 1, DeliveryOutcome::kDelivered, kT0 + 21, 200).code(),
            StatusCode::kNotFound);
  const WebhookDelivery d = this->Deliveries(j.id).at(0);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.attempt_log.size(), 1u);
}

TYPED_TEST_P(StoreExtrasConformance, RedeliverCreatesTheNextDeliveryWithTheSamePayload) {
  const Job j = this->SucceededAt(kT0 + 10);
  MustOk(this->Record(j, 1, DeliveryOutcome::kFailed, kT0 + 20, 410, "HTTP 410"), "record");
  const WebhookDelivery again = MustOk(
      this->store().DeliveryRedeliver({.job_id = j.id, .n = 1, .now = kT0 + 30}), "redeliver");
  EXPECT_EQ(again.job_id, j.id);
  EXPECT_EQ(again.n, 2);
  EXPECT_EQ(again.event, "job.succeeded");
  EXPECT_EQ(again.url, kHookUrl);
  EXPECT_EQ(again.state, DeliveryState::kPending);
  EXPECT_EQ(again.payload, R"({"v":1})");
  EXPECT_EQ(again.attempts, 0);
  EXPECT_EQ(again.next_attempt_at, kT0 + 30);
  EXPECT_EQ(again.created_at, kT0 + 30);
  EXPECT_EQ(again.last_status, std::nullopt);
  const auto ds = this->Deliveries(j.id);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].state, DeliveryState::kFailed);  // the original is kept as it was
  EXPECT_EQ(ds[1].n, 2);
  EXPECT_THAT(ds[1].attempt_log, IsEmpty());
  auto due = this->ClaimDue(kT0 + 30);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].n, 2);
}

TYPED_TEST_P(StoreExtrasConformance, RedeliverOfAnUnknownJobOrDeliveryIsNotFound) {
  const Job j = this->SucceededAt(kT0 + 10);
  EXPECT_EQ(this->store().DeliveryRedeliver({.job_id = j.id, .n = 2, .now = kT0}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      this->store().DeliveryRedeliver({.job_id = MakeJob().id, .n = 1, .now = kT0}).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(this->Deliveries(j.id).size(), 1u);
}

TYPED_TEST_P(StoreExtrasConformance, NextAtAndCountPendingFollowPendingDeliveries) {
  EXPECT_EQ(this->NextAt(), std::nullopt);
  EXPECT_EQ(this->CountPending(), 0);
  const Job a = this->SucceededAt(kT0 + 40);
  const Job b = this->SucceededAt(kT0 + 20);
  EXPECT_EQ(this->NextAt(), kT0 + 20);
  EXPECT_EQ(this->CountPending(), 2);
  MustOk(this->Record(b, 1, DeliveryOutcome::kDelivered, kT0 + 50, 200), "record b");
  EXPECT_EQ(this->NextAt(), kT0 + 40);
  EXPECT_EQ(this->CountPending(), 1);
  MustOk(this->Record(a, 1, DeliveryOutcome::kRetry, kT0 + 50, 500, "x", kT0 + 7000), "retry a");
  EXPECT_EQ(this->NextAt(), kT0 + 7000);
  EXPECT_EQ(this->CountPending(), 1);
}

TYPED_TEST_P(StoreExtrasConformance, DeliveryListOfAnUnknownJobIsNotFound) {
  EXPECT_EQ(this->store().DeliveryList(MakeJob().id).status().code(), StatusCode::kNotFound);
  const Job plain = MustInsert(this->store());
  EXPECT_THAT(this->Deliveries(plain.id), IsEmpty());
}

TYPED_TEST_P(StoreExtrasConformance, DeliveriesSurviveAReopen) {
  const Job j = this->SucceededAt(kT0 + 10);
  MustOk(this->Record(j, 1, DeliveryOutcome::kRetry, kT0 + 20, 500, "HTTP 500", kT0 + 900),
         "retry");
  this->Reopen();
  const auto ds = this->Deliveries(j.id);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].state, DeliveryState::kPending);
  EXPECT_EQ(ds[0].payload, R"({"v":1})");
  EXPECT_EQ(ds[0].attempt_log.size(), 1u);
  EXPECT_EQ(this->NextAt(), kT0 + 900);
  EXPECT_EQ(this->ClaimDue(kT0 + 900).size(), 1u);
}

TYPED_TEST_P(StoreExtrasConformance, NodeHeartbeatUpsertsByNameAndListsMostRecentFirst) {
  EXPECT_THAT(MustOk(this->store().NodeList(), "empty list"), IsEmpty());
  MustOk(this->store().NodeHeartbeat({.name = "a",
                                      .role = "serve",
                                      .started_at = kT0,
                                      .last_seen_at = kT0 + 10,
                                      .running_jobs = 2}),
         "a");
  MustOk(this->store().NodeHeartbeat({.name = "b",
                                      .role = "worker",
                                      .started_at = kT0 + 1,
                                      .last_seen_at = kT0 + 20,
                                      .running_jobs = 0}),
         "b");
  MustOk(this->store().NodeHeartbeat({.name = "a",
                                      .role = "serve",
                                      .started_at = kT0,
                                      .last_seen_at = kT0 + 30,
                                      .running_jobs = 5,
                                      .leader = true}),
         "a again");
  const auto nodes = MustOk(this->store().NodeList(), "list");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "a");
  EXPECT_EQ(nodes[0].role, "serve");
  EXPECT_EQ(nodes[0].started_at, kT0);
  EXPECT_EQ(nodes[0].last_seen_at, kT0 + 30);
  EXPECT_EQ(nodes[0].running_jobs, 5);
  EXPECT_TRUE(nodes[0].leader);
  EXPECT_EQ(nodes[1].name, "b");
  EXPECT_EQ(nodes[1].role, "worker");
  EXPECT_EQ(nodes[1].started_at, kT0 + 1);
  EXPECT_FALSE(nodes[1].leader);
  this->Reopen();
  EXPECT_EQ(MustOk(this->store().NodeList(), "after reopen").size(), 2u);
}

TYPED_TEST_P(StoreExtrasConformance, ASingleNodeIsTheLeader) {
  EXPECT_TRUE(MustOk(this->store().LeaderTryAcquire(), "leader"));
  EXPECT_TRUE(MustOk(this->store().LeaderTryAcquire(), "leader again"));  // it still holds it
}

TYPED_TEST_P(StoreExtrasConformance, ClaimSkipsExcludedTypes) {
  const Job a = MustInsert(this->store(), {.type = "a"});
  const Job b = MustInsert(this->store(), {.type = "b"});
  const Job c = MustInsert(this->store(), {.type = "c"});
  auto got = MustOk(
      this->store().JobClaim(
          {.worker_id = "w", .max = 10, .now = kT0, .types = {"a", "b"}, .exclude_types = {"a"}}),
      "claim");
  EXPECT_THAT(Ids(got), ElementsAre(b.id));
  auto rest = MustOk(this->store().JobClaim(
                         {.worker_id = "w", .max = 10, .now = kT0, .exclude_types = {"a", "zzz"}}),
                     "claim rest");
  EXPECT_THAT(Ids(rest), ElementsAre(c.id));
  EXPECT_EQ(MustGet(this->store(), a.id).state, JobState::kPending);
}

TYPED_TEST_P(StoreExtrasConformance, CompleteStoresTheResultRef) {
  const Job with = MustInsert(this->store());
  this->Complete(this->Claim(with), kT0 + 1, "artifacts/report.pdf");
  EXPECT_EQ(MustGet(this->store(), with.id).result_ref, "artifacts/report.pdf");
  const Job without = MustInsert(this->store());
  this->Complete(this->Claim(without), kT0 + 2);
  EXPECT_EQ(MustGet(this->store(), without.id).result_ref, std::nullopt);
  this->Reopen();
  EXPECT_EQ(MustGet(this->store(), with.id).result_ref, "artifacts/report.pdf");
}

// Readiness (issue 8 finding 10): a migrated store whose writes succeed is ready, and a caller's
// own error (an idempotency conflict) does not make it unready. The failing side needs a fault per
// backend: sqlite_write_failure_test.cc (a held write lock), postgres_store_misc_test.cc (restart).
TYPED_TEST_P(StoreExtrasConformance, ReadyWhileWritesSucceedEvenAfterACallersConflict) {
  const Status migrated = this->store().Readiness();
  EXPECT_TRUE(migrated.ok()) << migrated.ToString();
  MustInsert(this->store(), {.idempotency_key = "ready-k"});
  auto r = this->store().JobInsertMany(
      {.jobs = {MakeJob({.idempotency_key = "ready-k", .request_hash = "other"})}, .now = kT0});
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  const Status after = this->store().Readiness();
  EXPECT_TRUE(after.ok()) << after.ToString();
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreExtrasConformance, ReadyWhileWritesSucceedEvenAfterACallersConflict, SucceededJobWithAWebhookGetsAPendingDelivery,
    EveryTerminalPathCreatesADelivery, NonTerminalTransitionsCreateNoDelivery,
    JobsWithoutAWebhookUrlGetNoDelivery, EachTerminalStateAfterARetryGetsTheNextNumber,
    ClaimDueTakesDueDeliveriesOldestFirstAndLeasesThem, ConcurrentDeliveryClaimersNeverShareARow,
    RecordDeliveredEndsTheDeliveryAndLogsTheAttempt, RecordRetryKeepsItPendingAndFreezesThePayload,
    RecordOnlyAppliesToPendingDeliveries, RedeliverCreatesTheNextDeliveryWithTheSamePayload,
    RedeliverOfAnUnknownJobOrDeliveryIsNotFound, NextAtAndCountPendingFollowPendingDeliveries,
    DeliveryListOfAnUnknownJobIsNotFound, DeliveriesSurviveAReopen,
    NodeHeartbeatUpsertsByNameAndListsMostRecentFirst, ASingleNodeIsTheLeader,
    ClaimSkipsExcludedTypes, CompleteStoresTheResultRef);

}  // namespace conveyor::testing
