// The shared job operations (store_job_ops.h) over a fake Db that records what it was asked to
// do: the paths the conformance suites cannot force through a real database (an insert whose
// key raced a concurrent submit) and the side effects each transition owes (event, webhook
// delivery, wake-up). The conformance suites run the same templates on SQLite and PostgreSQL.
#include "store/store_job_ops.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store_insert_resolution.h"

namespace conveyor::testing {
namespace {

using store_ops::JobFailWrite;
using store_ops::JobLock;
using store_ops::JobUpdateKind;

// What the operations did, shared by every copy of a FakeDb (the templates take it by value).
struct FakeLog {
  std::optional<JobRow> row;  // the one job the fake holds
  bool insert_races = false;
  int updates = 0;
  std::vector<std::string> events;  // "FROM>TO:message"
  int deliveries = 0;
  int claimable = 0;
  int inserts = 0;
};

class FakeDb {
 public:
  explicit FakeDb(FakeLog& log) : log_(log) {}

  Result<JobRow> JobLoad(const std::string& id, JobLock) {
    if (!log_.row || log_.row->job.id != id) return NotFoundJob(id);
    return *log_.row;
  }
  Status JobStaleLease(const std::string& id) { return StaleLeaseConflict(id, "RUNNING"); }
  Result<JobRow> JobUpdate(JobUpdateKind what, int64_t, TimeMs now) {
    ++log_.updates;
    JobRow& r = *log_.row;
    if (what == JobUpdateKind::kCancelNow) r.job.state = JobState::kCancelled;
    if (what == JobUpdateKind::kCancelRequest) r.job.cancel_requested = true;
    if (what == JobUpdateKind::kRetry) r.job.state = JobState::kPending;
    r.job.updated_at = now;
    return r;
  }
  Result<JobRow> JobFailUpdate(const JobFailWrite& w) {
    ++log_.updates;
    log_.row->job.state = w.to;
    log_.row->job.run_at = w.run_at;
    log_.row->job.finished_at = w.finished_at;
    return *log_.row;
  }
  Status JobEventAppend(int64_t, TimeMs, std::optional<JobState> from, JobState to, int,
                        std::string_view message) {
    log_.events.push_back(std::string(from ? ToString(*from) : "") + ">" +
                          std::string(ToString(to)) + ":" + std::string(message));
    return Status::Ok();
  }
  Status DeliveryEnqueue(const JobRow&, JobState, TimeMs) {
    ++log_.deliveries;
    return Status::Ok();
  }
  void JobsClaimable() { ++log_.claimable; }
  Status JobsWithKeys(const std::vector<TenantKey>&, KeyHolders&) { return Status::Ok(); }
  Status JobKeysRelease(const std::vector<TenantKey>&, TimeMs) { return Status::Ok(); }
  Result<bool> JobInsertRows(const std::vector<const Job*>&, TimeMs) {
    ++log_.inserts;
    return !log_.insert_races;
  }
  // Dependencies (store_dependencies.h): this fake's jobs have none.
  Result<std::vector<DependencyTarget>> DependencyMark(const std::vector<std::string>&) {
    return std::vector<DependencyTarget>{};
  }
  Status DependencyEdgesInsert(const std::string&) { return Status::Ok(); }
  Result<std::vector<DependencyEdge>> DependentsBlockedOn(const std::string&) {
    return std::vector<DependencyEdge>{};
  }
  Result<std::optional<JobRow>> DependentRelease(int64_t, TimeMs) {
    return std::optional<JobRow>();
  }
  Result<std::optional<JobRow>> DependentCancel(int64_t, std::string_view, TimeMs) {
    return std::optional<JobRow>();
  }

 private:
  FakeLog& log_;
};

JobRow RunningRow() {
  JobRow r{.seq = 7};
  r.job.id = "j1";
  r.job.state = JobState::kRunning;
  r.job.attempt = 1;
  r.job.max_attempts = 3;
  r.job.run_at = 100;
  r.job.lease = Lease{.owner = "w", .token = "t", .expires_at = 500};
  return r;
}

TEST(StoreJobOpsTest, InsertPassThatLostAKeyRaceAsksToRunAgainAndWakesNobody) {
  FakeLog log{.insert_races = true};
  Job j;
  j.id = "j1";
  j.idempotency_key = "k";
  auto pass = store_ops::JobInsertPass(FakeDb(log), JobInsertManyParams{.jobs = {j}, .now = 5});
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_FALSE(pass->has_value());
  EXPECT_EQ(log.inserts, 1);
  EXPECT_EQ(log.claimable, 0);
}

TEST(StoreJobOpsTest, InsertPassThatInsertedEveryJobWakesClaimers) {
  FakeLog log;
  Job j;
  j.id = "j1";
  auto pass = store_ops::JobInsertPass(FakeDb(log), JobInsertManyParams{.jobs = {j}, .now = 5});
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  ASSERT_TRUE(pass->has_value());
  ASSERT_EQ((*pass)->size(), 1u);
  EXPECT_TRUE((**pass)[0].is_new);
  EXPECT_EQ(log.claimable, 1);
}

TEST(StoreJobOpsTest, RetryableFailureWakesClaimersAndPromisesNoWebhook) {
  FakeLog log{.row = RunningRow()};
  auto job = store_ops::JobFail(
      FakeDb(log),
      JobFailParams{.id = "j1", .lease_token = "t", .error = "boom", .retry_at = 900, .now = 200});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->state, JobState::kRetrying);
  EXPECT_EQ(job->run_at, 900);
  EXPECT_FALSE(job->finished_at.has_value());
  EXPECT_EQ(log.events, (std::vector<std::string>{"RUNNING>RETRYING:boom"}));
  EXPECT_EQ(log.claimable, 1);
  EXPECT_EQ(log.deliveries, 0);
}

TEST(StoreJobOpsTest, FinalFailureEnqueuesTheWebhookAndWakesNobody) {
  FakeLog log{.row = RunningRow()};
  auto job = store_ops::JobFail(
      FakeDb(log),
      JobFailParams{
          .id = "j1", .lease_token = "t", .error = "boom", .retryable = false, .now = 200});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_EQ(job->finished_at, 200);
  EXPECT_EQ(log.deliveries, 1);
  EXPECT_EQ(log.claimable, 0);
}

TEST(StoreJobOpsTest, FailWithAStaleTokenWritesNothing) {
  FakeLog log{.row = RunningRow()};
  auto job =
      store_ops::JobFail(FakeDb(log), JobFailParams{.id = "j1", .lease_token = "old", .now = 200});
  EXPECT_EQ(job.status().code(), StatusCode::kConflict);
  EXPECT_EQ(log.updates, 0);
  EXPECT_TRUE(log.events.empty());
}

TEST(StoreJobOpsTest, CancelAskedTwiceWritesOnce) {
  FakeLog log{.row = RunningRow()};
  auto first = store_ops::JobCancel(FakeDb(log), JobCancelParams{.id = "j1", .now = 200});
  auto second = store_ops::JobCancel(FakeDb(log), JobCancelParams{.id = "j1", .now = 300});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(second->cancel_requested);
  EXPECT_EQ(log.updates, 1);
  EXPECT_EQ(log.events, (std::vector<std::string>{"RUNNING>RUNNING:cancel requested"}));
}

TEST(StoreJobOpsTest, ListWithAnUnknownCursorIsInvalidArgument) {
  struct CursorlessDb : FakeDb {
    using FakeDb::FakeDb;
    Result<std::optional<int64_t>> JobSeqOf(const std::string&) { return std::optional<int64_t>(); }
    Result<std::vector<Job>> JobPageRows(const JobListParams&, int64_t) {
      return std::vector<Job>{};
    }
  };
  FakeLog log;
  auto page = store_ops::JobList(CursorlessDb(log), JobListParams{.cursor = "nope"});
  EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreJobOpsTest, MergedInsertKeepsCallOrderAndTakesTheLatestNow) {
  const TimeMs nows[] = {10, 7, 13};
  std::vector<JobInsertManyParams> calls;
  for (TimeMs now : nows) {
    Job j;
    j.id = "j" + std::to_string(calls.size());
    calls.push_back(JobInsertManyParams{.jobs = {j}, .now = now});
    EXPECT_TRUE(CanMergeInsert(calls.back()));
  }
  const JobInsertManyParams merged = MergeInserts(
      calls, [](const JobInsertManyParams& p) -> const JobInsertManyParams& { return p; });
  ASSERT_EQ(merged.jobs.size(), 3u);
  EXPECT_EQ(merged.jobs[0].id, "j0");
  EXPECT_EQ(merged.jobs[2].id, "j2");
  EXPECT_EQ(merged.now, 13);
  Job keyed;
  keyed.idempotency_key = "k";
  EXPECT_FALSE(CanMergeInsert(JobInsertManyParams{.jobs = {keyed}}));
}

}  // namespace
}  // namespace conveyor::testing
