// The conformance suite on SqliteStore (a temp file per test), plus what only SQLite has: the
// file and its pragmas, migrations bookkeeping, group-commit failure handling, query plans.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store_conformance.h"

namespace conveyor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct SqliteFactory {
  static std::unique_ptr<Store> Make(const std::string& tmpdir) {
    auto store = SqliteStore::Open({.path = tmpdir + "/conveyor.db"});
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return nullptr;
    }
    return std::move(store).value();
  }
};

}  // namespace

CONVEYOR_INSTANTIATE_STORE_CONFORMANCE(Sqlite, SqliteFactory);

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<SqliteStore> MustOpen(SqliteOptions o = {}) {
    if (o.path.empty()) o.path = dir_ + "/conveyor.db";
    auto store = MustOk(SqliteStore::Open(std::move(o)), "open");
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  // A separate plain connection, to look at the file as another process would.
  std::unique_ptr<SqliteConnection> Peek() {
    return MustOk(SqliteConnection::Open(dir_ + "/conveyor.db", {.read_only = true}), "peek");
  }
  std::string QueryPlan(SqliteConnection& c, std::string_view sql) {
    auto st = MustOk(c.Prepare("EXPLAIN QUERY PLAN " + std::string(sql)), "explain");
    std::string plan;
    while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
    return plan;
  }
  std::string dir_;
};

TEST_F(SqliteStoreTest, OpenCreatesMissingParentDirectories) {
  auto store = MustOpen({.path = dir_ + "/a/b/c/conveyor.db"});
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/a/b/c/conveyor.db"));
}

TEST_F(SqliteStoreTest, OpenRejectsAnEmptyPath) {
  EXPECT_EQ(SqliteStore::Open({.path = ""}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, OpenFailsCleanlyOnAFileThatIsNotADatabase) {
  {
    std::ofstream f(dir_ + "/junk.db");
    f << std::string(4096, 'x');
  }
  auto r = SqliteStore::Open({.path = dir_ + "/junk.db"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(SqliteStoreTest, DatabaseIsInWalMode) {
  auto store = MustOpen();
  auto peek = Peek();
  auto st = MustOk(peek->Prepare("PRAGMA journal_mode"), "pragma");
  ASSERT_TRUE(MustOk(st.Step(), "step"));
  EXPECT_EQ(st.Text(0), "wal");
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedOnce) {
  auto store = MustOpen();
  MustOk(store->Migrate(), "again");
  auto peek = Peek();
  const int64_t latest = std::size(sqlite_schema::kMigrations);
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT count(*) FROM schema_migrations"), "count"), latest);
  // Versions may have gaps: the newest is the last entry's.
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT max(version) FROM schema_migrations"), "max"),
            std::end(sqlite_schema::kMigrations)[-1].version);
}

TEST_F(SqliteStoreTest, UnmigratedStoreReportsAnErrorNotACrash) {
  auto store = MustOk(SqliteStore::Open({.path = dir_ + "/conveyor.db"}), "open");
  EXPECT_TRUE(store->Ping().ok());
  EXPECT_EQ(store->JobGet(MakeJob().id).status().code(), StatusCode::kUnavailable);
  auto r = store->JobInsertMany({.jobs = {MakeJob()}, .now = kT0});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("conveyor migrate"));
}

TEST_F(SqliteStoreTest, AsyncInsertCompletesOnlyOnceTheRowIsCommitted) {
  auto store = MustOpen();
  const Job j = MakeJob();
  std::promise<int64_t> visible;
  store->JobInsertManyAsync({.jobs = {j}, .now = kT0}, [&](auto r) {
    if (!r.ok()) return visible.set_value(-1);
    // Another connection sees the row from inside `done`: it was committed before.
    auto peek = Peek();
    auto st = MustOk(peek->Prepare("SELECT count(*) FROM jobs WHERE id = ?1"), "prepare");
    st.BindText(1, j.id);
    MustOk(st.Step(), "step");
    visible.set_value(st.Int(0));
  });
  EXPECT_EQ(visible.get_future().get(), 1);
}

TEST_F(SqliteStoreTest, SynchronousWriteFromACompletionFailsInsteadOfDeadlocking) {
  auto store = MustOpen();
  const Job j = MakeJob();
  std::promise<StatusCode> code;
  store->JobInsertManyAsync({.jobs = {j}, .now = kT0}, [&](auto) {
    code.set_value(store->JobCancel({.id = j.id, .now = kT0}).status().code());
  });
  EXPECT_EQ(code.get_future().get(), StatusCode::kInternal);
  EXPECT_EQ(MustGet(*store, j.id).state, JobState::kPending);
}

TEST_F(SqliteStoreTest, FailedCommitFailsEveryWriteOfTheBatchAndKeepsNothing) {
  std::atomic<bool> fail_commit{true};
  auto store = MustOk(SqliteStore::Open({.path = dir_ + "/conveyor.db",
                                         .TEST_before_commit = [&]() -> Status {
                                           return fail_commit ? Status::Unavailable("disk on fire")
                                                              : Status::Ok();
                                         }}),
                      "open");
  EXPECT_EQ(store->Migrate().code(), StatusCode::kUnavailable);
  fail_commit = false;
  MustOk(store->Migrate(), "migrate");
  fail_commit = true;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  std::vector<Job> jobs;
  for (int i = 0; i < 8; ++i) jobs.push_back(MakeJob());
  for (const Job& j : jobs) {
    threads.emplace_back([&, j] {
      auto r = store->JobInsertMany({.jobs = {j}, .now = kT0});
      if (!r.ok() && r.status().message() == "disk on fire") ++failed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 8);
  fail_commit = false;
  for (const Job& j : jobs) EXPECT_EQ(store->JobGet(j.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->JobInsertMany({.jobs = {jobs[0]}, .now = kT0}).ok());
}

TEST_F(SqliteStoreTest, ClaimUsesTheClaimIndex) {
  auto store = MustOpen();
  auto peek = Peek();
  const std::string plan = QueryPlan(*peek, sqlite_queries::kClaimSelect);
  EXPECT_THAT(plan, HasSubstr("jobs_claim"));
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE")));  // walks the index in claim order
}

TEST_F(SqliteStoreTest, ListRescueAndKeyLookupsUseTheirIndexes) {
  auto store = MustOpen();
  auto peek = Peek();
  const std::string plan = QueryPlan(*peek, sqlite_queries::kListByState);
  EXPECT_THAT(plan, HasSubstr("jobs_state"));
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kSelectJobsByKeys),
              HasSubstr("jobs_idempotency_key"));
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kRescueSelect), HasSubstr("jobs_lease"));
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kNextRunAt), HasSubstr("jobs_claim"));
  // Completions look each id up; scanning every RUNNING job per completion was 10x slower.
  for (const char* sql : {sqlite_queries::kComplete, sqlite_queries::kCompleteEvents}) {
    EXPECT_THAT(QueryPlan(*peek, sql), HasSubstr("(id=?)")) << sql;
    EXPECT_THAT(QueryPlan(*peek, sql), Not(HasSubstr("jobs_state"))) << sql;
  }
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kList), Not(HasSubstr("TEMP B-TREE")));
}

TEST_F(SqliteStoreTest, LargeBatchesSpanSeveralInsertChunks) {
  auto store = MustOpen();
  std::vector<Job> jobs;
  for (int i = 0; i < 1000 + 64 + 9; ++i) jobs.push_back(MakeJob({.tags = {"t" + std::to_string(i)}}));
  auto out = MustOk(store->JobInsertMany({.jobs = jobs, .now = kT0}), "insert");
  EXPECT_EQ(out.size(), jobs.size());
  EXPECT_EQ(MustOk(store->JobCountByState(), "count")[JobState::kPending], 1073);
  EXPECT_EQ(MustGet(*store, jobs[1072].id).tags, std::vector<std::string>{"t1072"});
  EXPECT_EQ(MustOk(store->JobEventList(jobs[1072].id), "events").size(), 1u);
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor {
namespace {
using namespace conveyor::testing;

class SqliteCoalescerTest : public ::testing::Test {
 protected:
  std::string dir_ = MakeTempDir();
  ~SqliteCoalescerTest() override { std::filesystem::remove_all(dir_); }
};

// Submits async single-job inserts while the writer is held inside a commit, so they queue up
// and are merged into one INSERT; returns each call's outcome.
std::vector<Result<std::vector<InsertOutcome>>> InsertWhileWriterIsBusy(
    const std::string& dir, const std::vector<Job>& jobs, const Job& first) {
  std::promise<void> gate_open;
  std::shared_future<void> gate = gate_open.get_future().share();
  std::atomic<bool> hold{false};
  auto store = MustOk(SqliteStore::Open({.path = dir + "/conveyor.db",
                                         .TEST_before_commit = [&]() -> Status {
                                           if (hold.exchange(false)) gate.wait();
                                           return Status::Ok();
                                         }}),
                      "open");
  MustOk(store->Migrate(), "migrate");
  MustOk(store->JobInsertMany({.jobs = {first}, .now = kT0}), "insert first");
  hold = true;
  std::thread blocker([&] { (void)store->JobCancel({.id = first.id, .now = kT0}); });
  std::vector<std::promise<Result<std::vector<InsertOutcome>>>> outs(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    store->JobInsertManyAsync({.jobs = {jobs[i]}, .now = kT0},
                              [&outs, i](auto r) { outs[i].set_value(std::move(r)); });
  }
  gate_open.set_value();
  blocker.join();
  std::vector<Result<std::vector<InsertOutcome>>> results;
  for (auto& o : outs) results.push_back(o.get_future().get());
  return results;
}

TEST_F(SqliteCoalescerTest, ConcurrentSingleSubmitsAllLandWithTheirOwnOutcome) {
  std::vector<Job> jobs;
  for (int i = 0; i < 100; ++i) jobs.push_back(MakeJob({.priority = 1 + i % 10}));
  auto results = InsertWhileWriterIsBusy(dir_, jobs, MakeJob());
  auto store = MustOk(SqliteStore::Open({.path = dir_ + "/conveyor.db"}), "reopen");
  for (size_t i = 0; i < jobs.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    ASSERT_EQ(results[i]->size(), 1u);
    EXPECT_EQ((*results[i])[0].job.id, jobs[i].id);
    EXPECT_TRUE((*results[i])[0].is_new);
    EXPECT_EQ(MustGet(*store, jobs[i].id).priority, jobs[i].priority);
    EXPECT_EQ(MustOk(store->JobEventList(jobs[i].id), "events").size(), 1u);
  }
}

TEST_F(SqliteCoalescerTest, OneBadSubmitInAMergedInsertFailsAloneAndTheOthersLand) {
  const Job first = MakeJob();
  Job duplicate = MakeJob();
  duplicate.id = first.id;  // violates the unique id: only this submit can fail
  const std::vector<Job> jobs = {MakeJob(), duplicate, MakeJob()};
  auto results = InsertWhileWriterIsBusy(dir_, jobs, first);
  EXPECT_TRUE(results[0].ok()) << results[0].status().ToString();
  EXPECT_FALSE(results[1].ok());
  EXPECT_TRUE(results[2].ok()) << results[2].status().ToString();
  auto store = MustOk(SqliteStore::Open({.path = dir_ + "/conveyor.db"}), "reopen");
  EXPECT_EQ(MustGet(*store, jobs[0].id).id, jobs[0].id);
  EXPECT_EQ(MustGet(*store, jobs[2].id).id, jobs[2].id);
}

}  // namespace
}  // namespace conveyor
