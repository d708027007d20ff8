// SqliteStore when writes fail at the transaction level: another process holds the write lock
// (BEGIN IMMEDIATE on a second connection to the same file) or COMMIT fails. Every caller of the
// writer and of the insert coalescer must still get exactly one answer, later calls must not be
// stranded by an earlier failed batch, and Readiness() must say what the last writes said.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"
#include "sqlite_temp_dir_test.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using InsertResult = Result<std::vector<InsertOutcome>>;
constexpr auto kAnswerBound = std::chrono::seconds(30);  // generous: the machine is noisy

class SqliteWriteFailureTest : public SqliteTempDirTest {
 protected:
  // A short busy timeout so a held lock fails a batch quickly.
  std::unique_ptr<SqliteStore> MustOpen(SqliteOptions o = {.busy_timeout_ms = 200}) {
    o.path = path();
    auto store = MustOk(SqliteStore::Open(std::move(o)), "open");
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  // Another writer on the same file, as a second process would be, holding the write lock.
  std::unique_ptr<SqliteConnection> MustHoldWriteLock() {
    auto other = MustOk(SqliteConnection::Open(path(), {.read_only = false}), "other");
    MustOk(other->Run("BEGIN IMMEDIATE"), "begin immediate");
    return other;
  }
  // Submits asynchronously and waits (bounded) for the one answer.
  static InsertResult MustAnswer(Store& store, std::vector<Job> jobs) {
    auto answer = std::make_shared<std::promise<InsertResult>>();
    std::future<InsertResult> f = answer->get_future();
    store.JobInsertManyAsync({.jobs = std::move(jobs), .now = kT0},
                             [answer](InsertResult r) { answer->set_value(std::move(r)); });
    if (f.wait_for(kAnswerBound) != std::future_status::ready) {
      ADD_FAILURE() << "the submit got no answer within 30 s";
      return Status::Internal("no answer");
    }
    return f.get();
  }
};

// Issue 8 finding 1: a failed BEGIN IMMEDIATE skipped the coalescer's operation, its group was
// never closed, and every later keyless single submit joined it and waited forever.
TEST_F(SqliteWriteFailureTest, KeylessSubmitAnswersAfterBusyTimeout) {
  auto store = MustOpen();
  auto other = MustHoldWriteLock();
  InsertResult during = MustAnswer(*store, {MakeJob()});
  EXPECT_EQ(during.status().code(), StatusCode::kUnavailable) << during.status().ToString();
  MustOk(other->Run("ROLLBACK"), "release");
  for (int i = 0; i < 3; ++i) {  // the single submit and the 1-job batch take the same path
    const Job j = MakeJob();
    InsertResult after = MustAnswer(*store, {j});
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(MustGet(*store, j.id).id, j.id);
  }
}

// The same shape on the writer's other callers: a batch whose BEGIN failed answers every caller
// (synchronous writes and non-coalesced async inserts) and the writer keeps serving afterwards.
TEST_F(SqliteWriteFailureTest, EveryWriterCallerAnswersAfterAFailedBeginAndLaterWritesLand) {
  auto store = MustOpen();
  const Job pending = MustInsert(*store);
  auto other = MustHoldWriteLock();
  std::vector<Job> batch = {MakeJob(), MakeJob()};
  auto async_batch = std::async(std::launch::async, [&] { return MustAnswer(*store, batch); });
  auto keyed = std::async(std::launch::async,
                          [&] { return MustAnswer(*store, {MakeJob({.idempotency_key = "k1"})}); });
  Result<Job> cancel = store->JobCancel({.id = pending.id, .now = kT0});
  EXPECT_EQ(cancel.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(async_batch.get().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(keyed.get().status().code(), StatusCode::kUnavailable);
  MustOk(other->Run("ROLLBACK"), "release");
  EXPECT_TRUE(MustAnswer(*store, batch).ok());
  EXPECT_TRUE(store->JobCancel({.id = pending.id, .now = kT0}).ok());
}

// A failed COMMIT (fault seam) fails the coalesced group and does not strand the next one.
TEST_F(SqliteWriteFailureTest, KeylessSubmitAnswersAfterAFailedCommit) {
  std::atomic<bool> fail{false};
  auto store = MustOpen({.busy_timeout_ms = 200, .TEST_before_commit = [&]() -> Status {
                           return fail ? Status::Unavailable("disk full") : Status::Ok();
                         }});
  fail = true;
  EXPECT_EQ(MustAnswer(*store, {MakeJob()}).status().code(), StatusCode::kUnavailable);
  fail = false;
  EXPECT_TRUE(MustAnswer(*store, {MakeJob()}).ok());
}

// A batch of delivery outcomes whose COMMIT fails stores none of them: every delivery stays
// pending with no attempt, due again when its claim's lease ends, and the next write takes it.
TEST_F(SqliteWriteFailureTest, AFailedDeliveryBatchRecordsNoneOfItsOutcomes) {
  std::atomic<bool> fail{false};
  auto store = MustOpen({.busy_timeout_ms = 200, .TEST_before_commit = [&]() -> Status {
                           return fail ? Status::Unavailable("disk full") : Status::Ok();
                         }});
  std::vector<Job> jobs(3);
  for (Job& j : jobs) {
    j = MakeJob();
    j.webhook_url = "https://hooks.example.test/conveyor";
  }
  MustInsertMany(*store, jobs);
  JobCompleteManyParams complete{.now = kT0};
  for (const Job& j : MustClaim(*store, 3)) {
    complete.completions.push_back({.id = j.id, .lease_token = j.lease->token, .result = "{}"});
  }
  MustOk(store->JobCompleteMany(complete), "complete");
  ASSERT_EQ(MustOk(store->DeliveryClaimDue({.now = kT0, .lease_ms = 1000}), "claim").size(), 3u);
  std::vector<DeliveryRecordParams> records;
  for (const Job& j : jobs) records.push_back({.job_id = j.id, .n = 1, .now = kT0 + 1});
  fail = true;
  EXPECT_EQ(store->DeliveryRecordMany(records).status().code(), StatusCode::kUnavailable);
  fail = false;
  for (const Job& j : jobs) {
    const WebhookDelivery d = MustOk(store->DeliveryList(j.id), "list").at(0);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempts, 0);
    EXPECT_TRUE(d.attempt_log.empty());
  }
  EXPECT_EQ(MustOk(store->DeliveryClaimDue({.now = kT0 + 1000}), "again").size(), 3u);
  for (const Status& s : MustOk(store->DeliveryRecordMany(records), "record")) {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(MustOk(store->DeliveryCountPending(), "pending"), 0);
}

// Polls Readiness() until it is OK, for at most 20 s (the probe runs at most once a second).
bool EventuallyReady(Store& store) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (store.Readiness().ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Issue 8 finding 10: /ready (Store::Readiness) said ready while every write failed.
TEST_F(SqliteWriteFailureTest, ReadinessIsUnavailableWhileWritesFailAndReadyAfter) {
  auto store = MustOpen();
  EXPECT_TRUE(store->Readiness().ok()) << "the migration was a successful write";
  auto other = MustHoldWriteLock();
  EXPECT_FALSE(MustAnswer(*store, {MakeJob()}).ok());
  const Status during = store->Readiness();
  EXPECT_EQ(during.code(), StatusCode::kUnavailable);
  EXPECT_THAT(during.message(), ::testing::HasSubstr("locked"));
  MustOk(other->Run("ROLLBACK"), "release");
  // No client write needed: the background probe finds the lock gone.
  EXPECT_TRUE(EventuallyReady(*store)) << store->Readiness().ToString();
}

TEST_F(SqliteWriteFailureTest, ReadinessFollowsAFailedCommitAndTheNextSuccess) {
  std::atomic<bool> fail{false};
  auto store = MustOpen({.busy_timeout_ms = 200, .TEST_before_commit = [&]() -> Status {
                           return fail ? Status::Unavailable("disk full") : Status::Ok();
                         }});
  fail = true;
  EXPECT_FALSE(MustAnswer(*store, {MakeJob()}).ok());
  EXPECT_THAT(store->Readiness().message(), ::testing::HasSubstr("disk full"));
  fail = false;
  EXPECT_TRUE(MustAnswer(*store, {MakeJob()}).ok());
  EXPECT_TRUE(store->Readiness().ok());
}

// A caller's own error (an idempotency conflict) says nothing about the store's health.
TEST_F(SqliteWriteFailureTest, ACallersOwnErrorKeepsTheStoreReady) {
  auto store = MustOpen();
  MustInsert(*store, {.idempotency_key = "k"});
  auto r = store->JobInsertMany(
      {.jobs = {MakeJob({.idempotency_key = "k", .request_hash = "other"})}, .now = kT0});
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(store->Readiness().ok());
}

}  // namespace
}  // namespace conveyor::testing
