// Store conformance: queues and the claim shared among them (store_claim.h). Weighted shares
// under saturation, an idle queue's share going to the others, pause, concurrency limits (also
// across two store handles: two nodes), rate limits per queue and per type (shared through the
// store), the age share that keeps a stream of urgent jobs from starving the rest, and the plan
// queues of seed 003 existing from the start. Included by store_conformance.h.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreQueuesConformance : public StoreTest<Factory> {
 protected:
  void Fill(const std::string& queue, int n, JobOptions o = {}) {
    std::vector<Job> jobs;
    o.queue = queue;
    for (int i = 0; i < n; ++i) jobs.push_back(MakeJob(o));
    MustOk(this->store().JobInsertMany({.jobs = jobs, .now = kT0}), "insert");
  }
  void Patch(QueuePatchParams p) {
    p.now = kT0;
    MustOk(this->store().QueuePatch(p), "patch");
  }
  // Claims `rounds` times `per` jobs, and counts them per queue.
  std::map<std::string, int> ClaimCounts(int rounds, int per, TimeMs now = kT0 + 1) {
    std::map<std::string, int> counts;
    for (int i = 0; i < rounds; ++i) {
      auto jobs = MustOk(this->store().JobClaim({.worker_id = "w", .max = per, .now = now}), "claim");
      for (const Job& j : jobs) ++counts[j.queue];
    }
    return counts;
  }
};
TYPED_TEST_SUITE_P(StoreQueuesConformance);

TYPED_TEST_P(StoreQueuesConformance, PlanQueuesExistWithSeed003Weights) {
  std::map<std::string, int> weights;
  for (const QueueSettings& q : MustOk(this->store().QueueList(), "list")) weights[q.name] = q.weight;
  EXPECT_EQ(weights["queue:free"], 1);
  EXPECT_EQ(weights["queue:pro"], 5);
  EXPECT_EQ(weights["queue:business"], 7);
  EXPECT_EQ(weights["queue:enterprise"], 10);
  this->Fill("made-by-a-job", 1);
  weights.clear();
  for (const QueueSettings& q : MustOk(this->store().QueueList(), "list")) weights[q.name] = q.weight;
  EXPECT_EQ(weights["made-by-a-job"], 1);
}

// Saturated: every queue always has more due jobs than a claim takes.
TYPED_TEST_P(StoreQueuesConformance, SaturatedQueuesShareStartsByWeightWithinTenPercent) {
  const std::map<std::string, int> weight = {
      {"queue:free", 1}, {"queue:pro", 5}, {"queue:business", 7}, {"queue:enterprise", 10}};
  for (const auto& [q, w] : weight) this->Fill(q, 700);
  // Claims of one job (one idle worker) and of eight (a batch) share alike.
  for (int per : {1, 8}) {
    const auto counts = this->ClaimCounts(per == 1 ? 230 : 29, per);
    int total = 0;
    for (const auto& [q, n] : counts) total += n;
    for (const auto& [q, w] : weight) {
      const double expected = total * w / 23.0;
      EXPECT_NEAR(counts.at(q), expected, expected * 0.10 + 1) << q << " per claim " << per;
    }
  }
}

TYPED_TEST_P(StoreQueuesConformance, AnIdleQueuesShareGoesToTheOthers) {
  this->Fill("queue:free", 40);  // enterprise (weight 10) has nothing
  const auto counts = this->ClaimCounts(40, 1);
  EXPECT_EQ(counts.at("queue:free"), 40);
  // When enterprise gets work it takes its share from then on, with no saved-up burst.
  this->Fill("queue:free", 100);
  this->Fill("queue:enterprise", 100);
  const auto after = this->ClaimCounts(22, 1);
  EXPECT_NEAR(after.at("queue:enterprise"), 20, 2);
}

TYPED_TEST_P(StoreQueuesConformance, APausedQueueStartsNothingUntilResumed) {
  this->Fill("mail", 3);
  this->Patch({.name = "mail", .paused = true});
  EXPECT_TRUE(this->ClaimCounts(1, 10).empty());
  this->Patch({.name = "mail", .paused = false});
  EXPECT_EQ(this->ClaimCounts(1, 10)["mail"], 3);
}

TYPED_TEST_P(StoreQueuesConformance, AConcurrencyLimitIsNeverExceededAcrossTwoNodes) {
  this->Fill("limited", 30);
  this->Patch({.name = "limited", .concurrency_limit = 4});
  auto other = this->OpenAnother();  // a second node on the same database
  auto a = MustOk(this->store().JobClaim({.worker_id = "a", .max = 3, .now = kT0 + 1}), "a");
  auto b = MustOk(other->JobClaim({.worker_id = "b", .max = 3, .now = kT0 + 1}), "b");
  EXPECT_EQ(a.size() + b.size(), 4u);
  EXPECT_TRUE(MustOk(other->JobClaim({.worker_id = "b", .max = 3, .now = kT0 + 2}), "full").empty());
  EXPECT_TRUE(other->JobClaimHeldUntil().has_value());  // look again soon: a job may finish
  MustOk(this->store().JobCompleteMany(
             {.completions = {{.id = a[0].id, .lease_token = a[0].lease->token, .result = "{}"}},
              .now = kT0 + 3}),
         "complete");
  EXPECT_EQ(MustOk(other->JobClaim({.worker_id = "b", .max = 3, .now = kT0 + 4}), "one").size(), 1u);
}

TYPED_TEST_P(StoreQueuesConformance, RateLimitsHoldAcrossNodesAndALimitedJobWaits) {
  this->Fill("emails", 10, {.type = "email.send"});
  this->Fill("emails", 5, {.type = "other"});
  MustOk(this->store().RateLimitSet({.kind = RateLimitKind::kType,
                                     .name = "email.send",
                                     .limit = RateLimit{.max_starts = 3, .period_ms = 60000}}),
         "set");
  auto other = this->OpenAnother();
  const TimeMs now = kT0 + 1;
  auto a = MustOk(this->store().JobClaim({.worker_id = "a", .max = 2, .now = now}), "a");
  auto b = MustOk(other->JobClaim({.worker_id = "b", .max = 20, .now = now}), "b");
  int emails = 0;
  for (const auto* batch : {&a, &b}) {
    for (const Job& j : *batch) emails += j.type == "email.send";
  }
  EXPECT_EQ(emails, 3);                        // the window's budget, shared by both nodes
  EXPECT_EQ(a.size() + b.size(), 3u + 5u);     // the other type is not held back
  ASSERT_TRUE(other->JobClaimHeldUntil().has_value());
  const TimeMs next = *other->JobClaimHeldUntil();
  EXPECT_GT(next, now);
  // The limited jobs wait (still PENDING, never failed) and start in the next window.
  auto later = MustOk(other->JobClaim({.worker_id = "b", .max = 20, .now = next}), "next window");
  EXPECT_EQ(later.size(), 3u);
  // A queue's own rate limit caps its starts too.
  this->Fill("q-rated", 5);
  this->Patch({.name = "q-rated", .rate_limit = RateLimit{.max_starts = 2, .period_ms = 1000}});
  EXPECT_EQ(this->ClaimCounts(1, 10, next + 1)["q-rated"], 2);
}

// A claim whose "now" lags a window another claim already opened (another node, or a claim
// whose clock read came first and committed first) takes nothing from the rate limit: it used to
// reopen the older window with a fresh budget, and the next claim then the newer one again, so
// both windows could start twice their rate.
TYPED_TEST_P(StoreQueuesConformance, ALateClaimNeverReopensAnOlderRateWindow) {
  this->Fill("emails", 10, {.type = "email.send"});
  MustOk(this->store().RateLimitSet({.kind = RateLimitKind::kType,
                                     .name = "email.send",
                                     .limit = RateLimit{.max_starts = 2, .period_ms = 1000}}),
         "set");
  auto other = this->OpenAnother();
  const TimeMs window = (kT0 / 1000 + 1) * 1000;  // a window that starts after the inserts
  EXPECT_EQ(MustOk(this->store().JobClaim({.worker_id = "a", .max = 10, .now = window}), "a")
                .size(),
            2u);
  EXPECT_TRUE(MustOk(other->JobClaim({.worker_id = "b", .max = 10, .now = window - 1}), "late")
                  .empty());
  EXPECT_TRUE(MustOk(this->store().JobClaim({.worker_id = "a", .max = 10, .now = window + 1}),
                     "same window")
                  .empty());
  EXPECT_EQ(MustOk(other->JobClaim({.worker_id = "b", .max = 10, .now = window + 1000}), "next")
                .size(),
            2u);
}

TYPED_TEST_P(StoreQueuesConformance, AStreamOfUrgentJobsNeverStarvesALowPriorityJob) {
  this->Fill("default", 1, {.priority = 10, .run_at = kT0 - 1000});  // waiting longest
  bool started = false;
  for (int round = 0; round < 3 * kAgeShare && !started; ++round) {
    this->Fill("default", 2, {.priority = 1});  // the stream never runs dry
    auto jobs = MustOk(this->store().JobClaim({.worker_id = "w", .max = 1, .now = kT0 + round}),
                       "claim");
    ASSERT_EQ(jobs.size(), 1u);
    started = jobs[0].priority == 10;
  }
  EXPECT_TRUE(started) << "one start in " << kAgeShare << " goes to the longest-waiting job";
}

TYPED_TEST_P(StoreQueuesConformance, ANodeServingSomeQueuesTakesOnlyTheirJobs) {
  this->Fill("a", 2);
  this->Fill("b", 2);
  auto jobs = MustOk(this->store().JobClaim(
                         {.worker_id = "w", .max = 10, .now = kT0 + 1, .queues = {"b"}}),
                     "claim b");
  ASSERT_EQ(jobs.size(), 2u);
  for (const Job& j : jobs) EXPECT_EQ(j.queue, "b");
}

REGISTER_TYPED_TEST_SUITE_P(StoreQueuesConformance, PlanQueuesExistWithSeed003Weights,
                            SaturatedQueuesShareStartsByWeightWithinTenPercent,
                            AnIdleQueuesShareGoesToTheOthers,
                            APausedQueueStartsNothingUntilResumed,
                            AConcurrencyLimitIsNeverExceededAcrossTwoNodes,
                            RateLimitsHoldAcrossNodesAndALimitedJobWaits,
                            ALateClaimNeverReopensAnOlderRateWindow,
                            AStreamOfUrgentJobsNeverStarvesALowPriorityJob,
                            ANodeServingSomeQueuesTakesOnlyTheirJobs);

}  // namespace conveyor::testing
