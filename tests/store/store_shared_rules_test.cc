// The backend-agnostic rules both stores share (store_insert_resolution, store_completions,
// store_job_rules, store_delivery_states), checked directly on values: the store conformance
// suites check them again through SqliteStore and PostgresStore.
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store_completions.h"
#include "store/store_delivery_states.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_rules.h"

namespace conveyor::testing {
namespace {

Job KeyedJob(const std::string& id, std::optional<std::string> key, const std::string& hash,
             const std::string& tenant = "") {
  Job j;
  j.id = id;
  j.idempotency_key = std::move(key);
  j.request_hash = hash;
  j.tenant = tenant;
  return j;
}

TenantKey Key(const std::string& key, const std::string& tenant = "") {
  return TenantKey{.tenant = tenant, .key = key};
}

TEST(StoreSharedRulesTest, ResolveReplaysStoredAndInBatchKeysAndInsertsTheRest) {
  const std::vector<Job> batch = {KeyedJob("a", "k1", "h1"), KeyedJob("b", "k2", "h2"),
                                  KeyedJob("c", "k2", "h2"), KeyedJob("d", std::nullopt, "h")};
  const KeyHolders stored = {{Key("k1"), KeyedJob("old", "k1", "h1")}};
  EXPECT_EQ(IdempotencyKeys(batch), (std::vector<TenantKey>{Key("k1"), Key("k2"), Key("k2")}));
  std::vector<InsertOutcome> out;
  auto fresh = ResolveIdempotency(batch, stored, out);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_EQ(fresh->size(), 2u);
  EXPECT_EQ((*fresh)[0]->id, "b");
  EXPECT_EQ((*fresh)[1]->id, "d");
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].job.id, "old");
  EXPECT_FALSE(out[0].is_new);
  EXPECT_TRUE(out[1].is_new);
  EXPECT_EQ(out[2].job.id, "b");  // the batch's first use of k2 decides
  EXPECT_FALSE(out[2].is_new);
  EXPECT_TRUE(out[3].is_new);
}

// A batch may mix tenants (the coalescers merge keyless jobs of any): a key matches only its
// own tenant's holder, stored or earlier in the batch.
TEST(StoreSharedRulesTest, ResolveMatchesKeysWithinTheirTenantOnly) {
  const std::vector<Job> batch = {KeyedJob("a", "k", "h1", "acme"),
                                  KeyedJob("b", "k", "h2", "zeta"), KeyedJob("c", "k", "h3"),
                                  KeyedJob("d", "k", "h1", "acme")};
  const KeyHolders stored = {{Key("k", "other"), KeyedJob("old", "k", "h9", "other")}};
  std::vector<InsertOutcome> out;
  auto fresh = ResolveIdempotency(batch, stored, out);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_EQ(fresh->size(), 3u);
  EXPECT_TRUE(out[0].is_new && out[1].is_new && out[2].is_new);
  EXPECT_EQ(out[3].job.id, "a");
  EXPECT_FALSE(out[3].is_new);
  EXPECT_EQ(EncodeTenantKeys({Key("k", "acme"), Key("q\"")}), R"([["k","acme"],["q\"",""]])");
}

TEST(StoreSharedRulesTest, ResolveAnswersConflictForAKeyReusedWithAnotherRequest) {
  const std::vector<Job> batch = {KeyedJob("a", "k", "h1"), KeyedJob("b", "k", "h2")};
  std::vector<InsertOutcome> out;
  auto fresh = ResolveIdempotency(batch, {}, out);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), StatusCode::kConflict);
  EXPECT_NE(fresh.status().message().find("idempotency key 'k'"), std::string::npos);
  EXPECT_FALSE(HasIdempotencyKeys({KeyedJob("x", std::nullopt, "h")}));
}

TEST(StoreSharedRulesTest, DuplicateIdBecomesAnActionableConflictOtherErrorsPassThrough) {
  EXPECT_EQ(DuplicateJobIdOr(Status::Conflict("UNIQUE")).message(),
            "a job with the same id already exists (UNIQUE)");
  EXPECT_EQ(DuplicateJobIdOr(Status::Internal("disk")).code(), StatusCode::kInternal);
}

TEST(StoreSharedRulesTest, CompletionsEncodeFirstUseOfEachIdAndMarkRepeats) {
  JobCompleteManyParams p;
  p.completions = {{"a", "t\"1", "{}", std::nullopt}, {"b", "t2", "[1]", "out/b"},
                   {"a", "t3", "{}", std::nullopt}};
  std::vector<bool> repeated;
  EXPECT_EQ(EncodeCompletions(p, repeated),
            R"([["a","t\"1","{}",null],["b","t2","[1]","out/b"]])");
  EXPECT_EQ(repeated, (std::vector<bool>{false, false, true}));
  auto outcomes = CompletionOutcomes(p, repeated, {"a"}, [](const std::string& id) {
    return Status::Conflict("stale " + id);
  });
  ASSERT_TRUE(outcomes.ok());
  EXPECT_TRUE((*outcomes)[0].ok());
  EXPECT_EQ((*outcomes)[1].message(), "stale b");
  EXPECT_EQ((*outcomes)[2].code(), StatusCode::kConflict);  // a repeat never completes twice
  auto broken = CompletionOutcomes(p, repeated, {}, [](const std::string&) {
    return Status::Internal("database gone");
  });
  EXPECT_EQ(broken.status().code(), StatusCode::kInternal);
}

TEST(StoreSharedRulesTest, ClaimOrderIsPriorityThenRunAtThenSeq) {
  std::vector<JobRow> rows(3);
  rows[0] = {.seq = 9, .job = KeyedJob("late", std::nullopt, "h")};
  rows[0].job.run_at = 5;
  rows[1] = {.seq = 2, .job = KeyedJob("urgent", std::nullopt, "h")};
  rows[1].job.priority = -1;
  rows[1].job.run_at = 9;
  rows[2] = {.seq = 1, .job = KeyedJob("early", std::nullopt, "h")};
  rows[2].job.run_at = 5;
  SortInClaimOrder(rows);
  const std::vector<Job> jobs = TakeJobs(std::move(rows));
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, "urgent");
  EXPECT_EQ(jobs[1].id, "early");
  EXPECT_EQ(jobs[2].id, "late");
}

TEST(StoreSharedRulesTest, CancelAndRetryDecisions) {
  Job j = KeyedJob("j", std::nullopt, "h");
  j.state = JobState::kPending;
  EXPECT_EQ(*ChooseCancel(j), CancelAction::kCancelNow);
  j.state = JobState::kRunning;
  EXPECT_EQ(*ChooseCancel(j), CancelAction::kRequestCancel);
  j.cancel_requested = true;
  EXPECT_EQ(*ChooseCancel(j), CancelAction::kAlreadyRequested);
  EXPECT_FALSE(CheckRetryable(j).ok());
  j.state = JobState::kSucceeded;
  EXPECT_EQ(ChooseCancel(j).status().code(), StatusCode::kFailedPrecondition);
  j.state = JobState::kExpired;
  EXPECT_TRUE(CheckRetryable(j).ok());
}

TEST(StoreSharedRulesTest, LeaseHoldingAndListLimits) {
  Job j = KeyedJob("j", std::nullopt, "h");
  j.state = JobState::kRunning;
  EXPECT_FALSE(HoldsLease(j, "t"));
  j.lease = Lease{.owner = "w", .token = "t", .expires_at = 1};
  EXPECT_TRUE(HoldsLease(j, "t"));
  EXPECT_FALSE(HoldsLease(j, "other"));
  EXPECT_EQ(ValidateListParams({.limit = 0}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateListParams({.limit = 1000}).ok());
}

TEST(StoreSharedRulesTest, DeliveryStateTextRoundTrips) {
  for (DeliveryOutcome o :
       {DeliveryOutcome::kDelivered, DeliveryOutcome::kRetry, DeliveryOutcome::kFailed}) {
    EXPECT_EQ(DeliveryStateName(ParseDeliveryState(DeliveryStateAfter(o))),
              DeliveryStateAfter(o));
  }
  EXPECT_EQ(DeliveryStateAfter(DeliveryOutcome::kRetry), "pending");
}

}  // namespace
}  // namespace conveyor::testing
