// What only PostgresStore has: several stores (nodes) on one database — leadership, concurrent
// migrations, LISTEN/NOTIFY wake-ups — its URL parameters, and surviving a server restart.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "postgres_test_util.h"
#include "store/postgres/pg_ceiling.h"
#include "store/postgres/pg_schema.h"
#include "store/store_factory.h"

namespace conveyor::testing {
namespace {

using ::testing::HasSubstr;

class PostgresStoreTest : public ::testing::Test {
 protected:
  // A fresh schema for this test; every store opened on url_ shares it.
  void SetUp() override { url_ = PgTestSchemas::Get().UrlFor(MakeTempDir()); }
  std::unique_ptr<PostgresStore> MustOpen(bool listen_notify = true) {
    auto store = MustOpenPostgres(url_, listen_notify);
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  std::string url_;
};

// Counts calls of a Listen callback and lets a test wait (bounded) for the next ones.
class WakeCounter {
 public:
  std::function<void()> Callback() {
    return [this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
      changed_.notify_all();
    };
  }
  // True once the count reached `n` (waits up to 30 s: a deadline, not a timing assertion).
  bool WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST_F(PostgresStoreTest, ExactlyOneOfTwoNodesLeadsAndTheOtherTakesOverWhenItCloses) {
  auto a = MustOpen();
  auto b = MustOpen();
  const bool a_leads = MustOk(a->LeaderTryAcquire(), "a");
  const bool b_leads = MustOk(b->LeaderTryAcquire(), "b");
  EXPECT_NE(a_leads, b_leads);
  EXPECT_EQ(MustOk(a->LeaderTryAcquire(), "a again"), a_leads);  // held, not re-contested
  auto& leader = a_leads ? a : b;
  auto& follower = a_leads ? b : a;
  EXPECT_FALSE(MustOk(follower->LeaderTryAcquire(), "follower while the leader lives"));
  leader.reset();  // its session ends, and the lock with it
  // The server notices the closed session asynchronously: poll, with a deadline (not a timing
  // assertion; the follower must take over eventually, and never while the leader lived).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool took_over = false;
  while (!took_over && std::chrono::steady_clock::now() < deadline) {
    took_over = MustOk(follower->LeaderTryAcquire(), "follower");
    if (!took_over) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(took_over);
}

TEST_F(PostgresStoreTest, ManyNodesMigratingAtOnceAllSucceed) {
  constexpr int kNodes = 6;
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int i = 0; i < kNodes; ++i) stores.push_back(MustOpenPostgres(url_));
  std::vector<Status> results(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { results[i] = stores[i]->Migrate(); });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  MustInsert(*stores[0]);
  EXPECT_EQ(MustOk(stores[kNodes - 1]->JobCountByState(), "count")[JobState::kPending], 1);
}

TEST_F(PostgresStoreTest, AnUnmigratedDatabaseAsksForConveyorMigrate) {
  auto store = MustOpenPostgres(url_);
  EXPECT_TRUE(store->Ping().ok());
  auto r = store->JobInsertMany({.jobs = {MakeJob()}, .now = kT0});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("conveyor migrate"));
}

TEST_F(PostgresStoreTest, ListenWakesOnJobsMadeAvailableByAnotherNode) {
  auto listener = MustOpen();
  auto writer = MustOpen();
  ASSERT_TRUE(listener->SupportsListenNotify());
  WakeCounter wakes;
  MustOk(listener->Listen(wakes.Callback()), "listen");
  ASSERT_TRUE(wakes.WaitFor(1));  // once at start
  std::vector<Job> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(MakeJob());
  MustInsertMany(*writer, batch);
  ASSERT_TRUE(wakes.WaitFor(2));  // the insert
  const int after_insert = wakes.count();
  auto claimed = MustClaim(*writer, 1);
  MustOk(writer->JobReleaseMany({.jobs = {{claimed[0].id, claimed[0].lease->token}}, .now = kT0}),
         "release");
  EXPECT_TRUE(wakes.WaitFor(after_insert + 1));  // the release made a job claimable again
}

TEST_F(PostgresStoreTest, NoListenOptionTurnsWakeUpsOff) {
  auto store = MustOpen(/*listen_notify=*/false);
  EXPECT_FALSE(store->SupportsListenNotify());
  EXPECT_EQ(store->Listen([] {}).code(), StatusCode::kFailedPrecondition);
  MustInsert(*store);  // inserts work without NOTIFY
}

TEST_F(PostgresStoreTest, OpenStoreAcceptsPostgresUrlsWithConveyorParameters) {
  auto store = MustOk(OpenStore(PgUrlWithParam(url_, "listen_notify=off&pool_size=2")), "open");
  MustOk(store->Migrate(), "migrate");
  EXPECT_FALSE(store->SupportsListenNotify());
  EXPECT_EQ(MustInsert(*store).state, JobState::kPending);
  auto on = MustOk(OpenStore(url_), "open default");
  EXPECT_TRUE(on->SupportsListenNotify());
}

TEST(PostgresUrlTest, ConveyorParametersAreTakenOffAndChecked) {
  auto o = MustOk(ParsePostgresUrl("postgres://u@h:5/db?sslmode=disable&listen_notify=off"
                                   "&pool_size=3&application_name=x"),
                  "parse");
  EXPECT_EQ(o.url, "postgres://u@h:5/db?sslmode=disable&application_name=x");
  EXPECT_FALSE(o.listen_notify);
  EXPECT_EQ(o.pool_size, 3);
  EXPECT_EQ(MustOk(ParsePostgresUrl("postgres://h/db?listen_notify=on"), "on").url,
            "postgres://h/db");
  for (const char* bad : {"postgres://h/db?listen_notify=maybe", "postgres://h/db?pool_size=0",
                          "postgres://h/db?pool_size=x"}) {
    auto r = ParsePostgresUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto garbage = OpenStore("postgresql://h:notaport:/x?=");
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
}

TEST(PostgresUrlTest, AnUnreachableServerIsUnavailableNotACrash) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto store = MustOk(OpenStore("postgresql://postgres@127.0.0.1:1/conveyor"), "open");
  for (const Status& s : {store->Ping(), store->Migrate(), store->JobGet(MakeJob().id).status()}) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    EXPECT_THAT(s.message(), HasSubstr("PostgreSQL is unreachable"));
  }
  EXPECT_FALSE(MustOk(store->LeaderTryAcquire(), "leader"));
}

TEST(PostgresRestartTest, CallsFailUnavailableWhileTheServerIsDownAndRecoverAfter) {
  auto server = PgTestServer::MustStart();
  auto store = MustOpenPostgres(server->Url());
  MustOk(store->Migrate(), "migrate");
  const Job before = MustInsert(*store);
  ASSERT_TRUE(MustOk(store->LeaderTryAcquire(), "leader"));
  WakeCounter wakes;
  MustOk(store->Listen(wakes.Callback()), "listen");
  ASSERT_TRUE(wakes.WaitFor(1));

  server->MustStop();
  const Status down = store->JobGet(before.id).status();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_THAT(down.message(), HasSubstr("PostgreSQL is unreachable"));
  EXPECT_EQ(store->Ping().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store->JobInsertMany({.jobs = {MakeJob()}, .now = kT0}).status().code(),
            StatusCode::kUnavailable);
  // Issue 8 finding 10: a failed write makes the store unready, with the reason.
  EXPECT_THAT(store->Readiness().message(), HasSubstr("PostgreSQL is unreachable"));
  EXPECT_FALSE(MustOk(store->LeaderTryAcquire(), "leader while down"));

  server->MustStartAgain();
  // The very next calls reconnect by themselves.
  MustOk(store->Ping(), "ping after restart");
  EXPECT_EQ(MustGet(*store, before.id).id, before.id);
  MustInsert(*store);
  EXPECT_TRUE(store->Readiness().ok()) << store->Readiness().ToString();
  EXPECT_TRUE(MustOk(store->LeaderTryAcquire(), "leader after restart"));
  EXPECT_TRUE(wakes.WaitFor(2));  // the listener reconnected and said so
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor::testing {
namespace {

TEST_F(PostgresStoreTest, InsertCeilingIsMeasuredAndLeavesNoSchema) {
  auto rate = MeasurePostgresInsertCeiling(url_, 500, 100);
  ASSERT_TRUE(rate.ok()) << rate.status().ToString();
  EXPECT_GT(*rate, 0.0);
  MustPgExec(url_,
             "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname LIKE "
             "'conveyor_ceiling_%') THEN RAISE EXCEPTION 'schema left behind'; END IF; "
             "END $$");
  EXPECT_EQ(MeasurePostgresInsertCeiling(url_, 0, 10).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor::testing {
namespace {

// Migration 2 (issue 10): a job written at version 1 reads as Conveyor's dialect, its progress
// column becomes double precision, and a FAILED job is found by the statistics' index.
TEST_F(PostgresStoreTest, JobsWrittenAtVersion1ReadAsConveyorsDialect) {
  MustPgExec(url_, pg_schema::kCreateMigrationsTable);
  MustPgExec(url_, pg_schema::kMigrations[0].sql);
  MustPgExec(url_, "INSERT INTO schema_migrations VALUES (1, 0)");
  const std::string id = MakeJob().id;
  MustPgExec(url_,
             "INSERT INTO jobs (id, type, state, attempt, run_at, progress, error, created_at,"
             " finished_at, updated_at) VALUES ('" + id + "', 'noop', 'FAILED', 3, 0, 40, 'boom',"
             " 0, 5, 5)");
  auto store = MustOpen();
  const Job old = MustGet(*store, id);
  EXPECT_EQ(old.dialect, Dialect::kSucceeded);
  EXPECT_EQ(old.progress, 40);
  const JobStats stats = MustOk(store->JobStatsGet({}), "stats");
  ASSERT_EQ(stats.recent_failures.size(), 1u);
  EXPECT_EQ(stats.recent_failures[0].id, id);
  EXPECT_EQ(stats.avg_failed_attempt, 3.0);
  MustPgExec(url_,
             "DO $$ BEGIN IF (SELECT data_type FROM information_schema.columns WHERE table_name ="
             " 'jobs' AND column_name = 'progress' AND table_schema = current_schema())"
             " <> 'double precision' THEN RAISE EXCEPTION 'progress is not a double'; END IF;"
             " END $$");
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor::testing {
namespace {

// Migration 5 (dependencies) on a database at the previous schema with a waiting job: the job
// survives, its CHECK admits BLOCKED and still refuses an unknown word, a new job depending on it
// is BLOCKED, and a BLOCKED job past its expiry is found by the rebuilt jobs_expiry.
TEST_F(PostgresStoreTest, ADatabaseBeforeDependenciesMigratesAndBlocksDependents) {
  MustPgExec(url_, pg_schema::kCreateMigrationsTable);
  for (const auto& m : pg_schema::kMigrations) {
    if (m.version >= 5) continue;
    MustPgExec(url_, m.sql);
    MustPgExec(url_, "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)");
  }
  const std::string id = MakeJob().id;
  MustPgExec(url_, "INSERT INTO jobs (id, type, state, run_at, created_at, updated_at) VALUES ('" +
                       id + "', 'noop', 'PENDING', 0, 0, 0)");
  auto store = MustOpen();
  Job dependent = MakeJob();
  dependent.depends_on = {id};
  dependent.expires_at = kT0 + 100;
  EXPECT_EQ(MustInsertMany(*store, {dependent}).front().state, JobState::kBlocked);
  EXPECT_EQ(MustOk(store->JobNextExpiry(), "next"), kT0 + 100);
  EXPECT_THROW(MustPgExec(url_, "UPDATE jobs SET state = 'BOGUS' WHERE id = '" + id + "'"),
               std::exception);
  EXPECT_EQ(MustGet(*store, id).state, JobState::kPending);
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor::testing {
namespace {

// Completes `job` (claimed, with its lease) on `store`.
void MustCompleteOn(Store& store, const Job& job) {
  auto out = MustOk(store.JobCompleteMany({.completions = {{.id = job.id,
                                                            .lease_token = job.lease->token,
                                                            .result = "{}"}},
                                           .now = kT0}),
                    "complete");
  MustOk(out.at(0), "complete entry");
}

// Two nodes finish the two dependencies of one job at the same instant: whichever commits second
// must see the first's outcome and release the job (the dependents are locked while settled), so
// it is never left BLOCKED. Many rounds, each a fresh race.
TEST_F(PostgresStoreTest, TwoNodesFinishingBothDependenciesAtOnceReleaseTheDependent) {
  auto a = MustOpen();
  auto b = MustOpen();
  for (int round = 0; round < 20; ++round) {
    const Job x = MustInsert(*a);
    const Job y = MustInsert(*a);
    Job z = MakeJob();
    z.depends_on = {x.id, y.id};
    z = MustInsertMany(*a, {z}).front();
    ASSERT_EQ(z.state, JobState::kBlocked);
    std::vector<Job> claimed = MustClaim(*a, 2);
    ASSERT_EQ(claimed.size(), 2u);
    std::thread other([&] { MustCompleteOn(*b, claimed[1]); });
    MustCompleteOn(*a, claimed[0]);
    other.join();
    ASSERT_EQ(MustGet(*a, z.id).state, JobState::kPending) << "round " << round;
    MustOk(a->JobCancel({.id = z.id, .now = kT0}), "tidy");
  }
}

// A submit depending on a job races that job's completion on another node: the new job ends
// PENDING either way (it saw SUCCEEDED, or the completion saw its mark and released it).
TEST_F(PostgresStoreTest, ASubmitRacingItsDependencysCompletionIsNeverLeftBlocked) {
  auto a = MustOpen();
  auto b = MustOpen();
  for (int round = 0; round < 20; ++round) {
    const Job x = MustInsert(*a);
    const Job running = MustClaim(*a, 1).at(0);
    ASSERT_EQ(running.id, x.id);
    Job w = MakeJob();
    w.depends_on = {x.id};
    std::thread submit([&] { MustInsertMany(*b, {w}); });
    MustCompleteOn(*a, running);
    submit.join();
    ASSERT_EQ(MustGet(*a, w.id).state, JobState::kPending) << "round " << round;
    MustOk(a->JobCancel({.id = w.id, .now = kT0}), "tidy");
  }
}

// Inserts travel as array literals (EncodePgJobColumns): quotes, backslashes, commas, braces,
// an empty string and the word NULL are values, not syntax; an absent value is NULL.
TEST_F(PostgresStoreTest, AnInsertKeepsEveryCharacterOfItsStringsAndItsNulls) {
  auto store = MustOpen();
  Job a = MakeJob({.queue = "q,{\"x\"}", .payload = R"({"s":"a\"b\\c,{NULL}"})",
                   .tags = {"NULL", "", "back\\slash", "qu\"ote", "{brace}"}});
  a.correlation_id = "NULL";
  a.tenant = "";
  Job b = MakeJob({.queue = "plain"});
  b.correlation_id = std::nullopt;
  auto stored = MustInsertMany(*store, {a, b});
  ASSERT_EQ(stored.size(), 2u);
  Job got_a = MustGet(*store, a.id);
  EXPECT_EQ(got_a.queue, a.queue);
  EXPECT_EQ(got_a.payload, a.payload);
  EXPECT_EQ(got_a.tags, a.tags);
  EXPECT_EQ(got_a.correlation_id, std::optional<std::string>("NULL"));
  Job got_b = MustGet(*store, b.id);
  EXPECT_EQ(got_b.correlation_id, std::nullopt);
  EXPECT_EQ(got_b.queue, "plain");
  // Both queues got their row (the insert's $33).
  std::vector<std::string> names;
  Store& base = *store;  // through the interface, as the runtime calls it
  for (const QueueSettings& q : MustOk(base.QueueList(), "queues")) names.push_back(q.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({a.queue, std::string("plain")}));
}

}  // namespace
}  // namespace conveyor::testing
