// SQLite-only checks of schema migrations 2 (webhook deliveries, nodes), 3 (the job's dialect,
// jobs_failed), 4 (jobs_expiry), 6 (dependencies) and 11 (tenants): a database written at an
// earlier version migrates and keeps its jobs, the new queries walk their indexes, and the
// schema's CHECKs hold the invariants.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_dependency_queries.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_queue_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "sqlite_temp_dir_test.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Versions may have gaps (each is applied when not yet recorded): the last one, and how many.
constexpr int64_t kLatest = std::end(sqlite_schema::kMigrations)[-1].version;
constexpr int64_t kCount = std::size(sqlite_schema::kMigrations);

class SqliteMigrationTest : public SqliteTempDirTest {
 protected:
  std::unique_ptr<SqliteStore> MustOpen() {
    auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  // Writes a database exactly as a version-1 binary left it, with one RUNNING job that has a
  // webhook_url and lease token "tok".
  std::string WriteVersion1Database() {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    MustOk(c->Exec(sqlite_schema::kMigrations[0].sql), "migration 1");
    MustOk(c->Exec("INSERT INTO schema_migrations VALUES (1, 0)"), "record 1");
    const std::string id = MakeJob().id;
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, attempt, run_at, webhook_url, created_at,"
                   " updated_at, lease_owner, lease_token, lease_expires_at) VALUES ('" +
                   id + "', 'noop', 'RUNNING', 1, 0, 'https://h.test/x', 0, 0, 'w', 'tok', " +
                   std::to_string(kT0 + 30000) + ")"),
           "v1 job");
    return id;
  }
  // Writes a database as a version-2 binary left it, with one FAILED job (attempt 3, progress
  // 40) from before jobs had a dialect.
  std::string WriteVersion2Database() {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (int v : {1, 2}) {
      MustOk(c->Exec(sqlite_schema::kMigrations[v - 1].sql), "migration");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)"),
             "record");
    }
    const std::string id = MakeJob().id;
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, attempt, run_at, progress, error,"
                   " created_at, finished_at, updated_at) VALUES ('" +
                   id + "', 'noop', 'FAILED', 3, 0, 40, 'boom', 0, 5, 5)"),
           "v2 job");
    return id;
  }
  std::string QueryPlan(SqliteConnection& c, std::string_view sql) {
    auto st = MustOk(c.Prepare("EXPLAIN QUERY PLAN " + std::string(sql)), "explain");
    std::string plan;
    while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
    return plan;
  }
};

TEST_F(SqliteMigrationTest, ADatabaseAtVersion1MigratesAndKeepsItsJobs) {
  const std::string id = WriteVersion1Database();
  auto store = MustOpen();
  auto peek = Connect(true);
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT max(version) FROM schema_migrations"), "max"), kLatest);
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT count(*) FROM schema_migrations"), "count"), kCount);
  EXPECT_EQ(MustGet(*store, id).webhook_url, "https://h.test/x");
  EXPECT_EQ(MustGet(*store, id).traceparent, std::nullopt);  // migration 12: none before
  // The migrated job's terminal transition gets its delivery like a new job's would.
  auto out =
      MustOk(store->JobCompleteMany(
                 {.completions = {{.id = id, .lease_token = "tok", .result = "{}"}}, .now = kT0}),
             "complete");
  MustOk(out.at(0), "complete entry");
  auto ds = MustOk(store->DeliveryList(id), "deliveries");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].event, "job.succeeded");
  MustOk(store->Migrate(), "again");  // idempotent
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT count(*) FROM schema_migrations"), "count"), kCount);
}

TEST_F(SqliteMigrationTest, JobsWrittenAtVersion2ReadAsConveyorsDialect) {
  const std::string id = WriteVersion2Database();
  auto store = MustOpen();
  const Job old = MustGet(*store, id);
  EXPECT_EQ(old.dialect, Dialect::kSucceeded);
  EXPECT_EQ(old.progress, 40);
  EXPECT_EQ(old.state, JobState::kFailed);
  // The migrated FAILED job is in the statistics' index like a new one.
  const JobStats stats = MustOk(store->JobStatsGet({}), "stats");
  ASSERT_EQ(stats.recent_failures.size(), 1u);
  EXPECT_EQ(stats.recent_failures[0].id, id);
  EXPECT_EQ(stats.avg_failed_attempt, 3.0);
}

TEST_F(SqliteMigrationTest, FractionalProgressStaysRealInTheIntegerColumn) {
  auto store = MustOpen();
  MustInsert(*store);
  const Job j = MustClaim(*store, 1).at(0);
  MustOk(store->JobHeartbeat({.id = j.id, .lease_token = j.lease->token,
                              .lease_expires_at = kT0 + 60000, .progress = 65.5, .now = kT0}),
         "heartbeat");
  store.reset();
  auto peek = Connect(true);
  auto st = MustOk(peek->Prepare("SELECT typeof(progress), progress FROM jobs"), "select");
  ASSERT_TRUE(MustOk(st.Step(), "step"));
  EXPECT_EQ(st.Text(0), "real");
  EXPECT_EQ(st.Double(1), 65.5);
}

TEST_F(SqliteMigrationTest, StatsQueriesWalkTheFailedIndex) {
  auto store = MustOpen();
  auto peek = Connect(true);
  for (const char* sql : {sqlite_queries::kFailedMeanAttempt, sqlite_queries::kRecentFailures}) {
    const std::string plan = QueryPlan(*peek, sql);
    EXPECT_THAT(plan, HasSubstr("jobs_failed")) << sql;
    EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << sql;
  }
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kFailedMeanAttempt), HasSubstr("COVERING"));
}

TEST_F(SqliteMigrationTest, DeliveryQueriesWalkTheDueIndex) {
  auto store = MustOpen();
  auto peek = Connect(true);
  for (const char* sql : {sqlite_queries::kDeliveryDue, sqlite_queries::kDeliveryNextAt,
                          sqlite_queries::kDeliveryCountPending}) {
    const std::string plan = QueryPlan(*peek, sql);
    EXPECT_THAT(plan, HasSubstr("webhook_deliveries_due")) << sql;
    EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << sql;
  }
  // The claim with an exclusion list still walks the claim index in order.
  const std::string claim = QueryPlan(*peek, sqlite_queries::kClaimSelect);
  EXPECT_THAT(claim, HasSubstr("jobs_claim"));
  EXPECT_THAT(claim, Not(HasSubstr("TEMP B-TREE")));
  // A job's deliveries and attempts are primary-key range reads.
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kDeliveriesOfJob), Not(HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(QueryPlan(*peek, sqlite_queries::kDeliveryAttemptsOfJob),
              Not(HasSubstr("TEMP B-TREE")));
}

TEST_F(SqliteMigrationTest, NodeRoleIsCheckedByTheSchema) {
  auto store = MustOpen();
  const Status s = store->NodeHeartbeat({.name = "n1", .role = "janitor", .last_seen_at = kT0});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(MustOk(store->NodeList(), "list").empty());
}

TEST_F(SqliteMigrationTest, DeletingAJobDeletesItsDeliveriesAndAttempts) {
  auto store = MustOpen();
  Job j = MakeJob();
  j.webhook_url = "https://h.test/x";
  MustInsertMany(*store, {j});
  MustOk(store->JobCancel({.id = j.id, .now = kT0}), "cancel");
  MustOk(store->DeliveryRecord({.job_id = j.id, .n = 1, .now = kT0, .status_code = 200}), "record");
  store.reset();
  auto c = Connect(false);
  MustOk(c->Exec("PRAGMA foreign_keys=ON; DELETE FROM jobs"), "delete");
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM webhook_deliveries"), "d"), 0);
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM webhook_delivery_attempts"), "a"), 0);
}

TEST_F(SqliteMigrationTest, WaitingJobsWrittenAtVersion3ExpireAfterTheMigration) {
  const std::string id = MakeJob().id;
  {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (int v : {1, 2, 3}) {
      MustOk(c->Exec(sqlite_schema::kMigrations[v - 1].sql), "migration");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)"),
             "record");
    }
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, run_at, expires_at, created_at,"
                   " updated_at) VALUES ('" +
                   id + "', 'noop', 'PENDING', 0, " + std::to_string(kT0 + 100) + ", 0, 0)"),
           "v3 job");
  }
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  MustOk(store->Migrate(), "migrate");
  EXPECT_EQ(MustOk(store->JobNextExpiry(), "next"), kT0 + 100);
  EXPECT_THAT(MustOk(store->JobExpireDue({.now = kT0 + 100}), "expire"), ElementsAre(id));
  EXPECT_EQ(MustGet(*store, id).state, JobState::kExpired);
}

TEST_F(SqliteMigrationTest, ExpiryQueriesWalkTheExpiryIndex) {
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  MustOk(store->Migrate(), "migrate");
  auto peek = Connect(true);
  for (const char* sql : {sqlite_queries::kExpireSelect, sqlite_queries::kNextExpiry}) {
    const std::string plan = QueryPlan(*peek, sql);
    EXPECT_THAT(plan, HasSubstr("jobs_expiry")) << sql;
    EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << sql;
  }
}

// Migration 6 (dependencies) on a database every earlier migration wrote, with a RUNNING job
// that has events and a delivery: nothing is lost (the jobs table is edited in place, not
// rebuilt: see sqlite_schema.h), every index is still there, the CHECK on state now admits
// BLOCKED and still refuses a word it does not know, and the migrated job releases a dependent.
TEST_F(SqliteMigrationTest, ADatabaseBeforeDependenciesMigratesKeepingEventsDeliveriesAndIndexes) {
  const std::string id = WriteVersion1Database();  // RUNNING, lease token "tok", a webhook_url
  auto names = [&](SqliteConnection& c) {
    std::vector<std::string> out;
    auto st = MustOk(c.Prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND"
                               " name NOT LIKE 'sqlite_autoindex%' ORDER BY name"),
                     "names");
    while (MustOk(st.Step(), "step")) out.push_back(st.Text(0));
    return out;
  };
  std::vector<std::string> before;
  {
    auto c = Connect(false);
    for (const auto& m : sqlite_schema::kMigrations) {
      if (m.version == 1 || m.version >= 6) continue;
      MustOk(c->Exec(m.sql), "migration");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)"),
             "record");
    }
    MustOk(c->Exec("INSERT INTO job_events (job_seq, at, to_state, attempt) VALUES (1, 0,"
                   " 'PENDING', 0), (1, 1, 'RUNNING', 1)"),
           "events");
    MustOk(c->Exec("INSERT INTO webhook_deliveries (job_seq, n, event, url, next_attempt_at,"
                   " created_at, updated_at) VALUES (1, 1, 'job.failed', 'https://h.test/x', 0,"
                   " 0, 0)"),
           "delivery");
    before = names(*c);
  }
  auto store = MustOpen();
  auto peek = Connect(true);
  {
    auto check = MustOk(peek->Prepare("PRAGMA integrity_check"), "integrity");
    ASSERT_TRUE(MustOk(check.Step(), "step"));
    EXPECT_EQ(check.Text(0), "ok");
  }
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT count(*) FROM job_events"), "events"), 2);
  EXPECT_EQ(MustOk(peek->QueryInt("SELECT count(*) FROM webhook_deliveries"), "deliveries"), 1);
  std::vector<std::string> after = names(*peek);
  for (const std::string& n : before) EXPECT_THAT(after, ::testing::Contains(n));
  EXPECT_THAT(after, ::testing::Contains("job_dependencies_on"));
  Job dependent = MakeJob();
  dependent.depends_on = {id};
  EXPECT_EQ(MustInsertMany(*store, {dependent}).front().state, JobState::kBlocked);
  MustOk(
      MustOk(store->JobCompleteMany(
                 {.completions = {{.id = id, .lease_token = "tok", .result = "{}"}}, .now = kT0}),
             "complete")
          .at(0),
      "complete entry");
  EXPECT_EQ(MustGet(*store, dependent.id).state, JobState::kPending);
  store.reset();
  auto c = Connect(false);
  EXPECT_FALSE(c->Exec("UPDATE jobs SET state = 'BOGUS' WHERE id = '" + id + "'").ok());
  EXPECT_TRUE(c->Exec("UPDATE jobs SET state = 'BLOCKED' WHERE id = '" + id + "'").ok());
}

// Migration 11 (tenants) on a database at version 10 holding a keyed job and a key: the job
// reads as tenant "" and still holds its key (a replay finds it through the rebuilt index), the
// same key under a tenant is another job, and the key has no tenant.
TEST_F(SqliteMigrationTest, ADatabaseAtVersion10MigratesItsKeyedJobsToTenantNone) {
  const std::string id = MakeJob().id;
  {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (const auto& m : sqlite_schema::kMigrations) {
      if (m.version > 10) continue;
      MustOk(c->Exec(m.sql), "migration");
      if (m.then != nullptr) MustOk(m.then(*c), "migration step");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)"),
             "record");
    }
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, run_at, idempotency_key, request_hash,"
                   " created_at, updated_at) VALUES ('" +
                   id + "', 'noop', 'PENDING', 0, 'k', 'hash-a', 0, 0)"),
           "v10 job");
    MustOk(c->Exec("INSERT INTO api_keys (id, name, secret_sha256, scopes, created_at) VALUES"
                   " ('id1', 'ci', 'x', 'jobs:submit', 0)"),
           "v10 key");
  }
  auto store = MustOpen();
  const Job migrated = MustGet(*store, id);
  EXPECT_EQ(migrated.tenant, "");
  EXPECT_EQ(migrated.idempotency_key, "k");
  const auto submit = [&](const std::string& tenant) {
    Job j = MakeJob({.idempotency_key = "k"});
    j.tenant = tenant;
    return MustOk(store->JobInsertMany({.jobs = {j}, .now = kT0}), "submit").at(0);
  };
  const InsertOutcome replay = submit("");
  EXPECT_FALSE(replay.is_new);
  EXPECT_EQ(replay.job.id, id);
  EXPECT_TRUE(submit("acme").is_new);
  EXPECT_EQ(MustOk(store->ApiKeyList(), "keys").at(0).tenant, std::nullopt);
  auto peek = Connect(true);
  auto check = MustOk(peek->Prepare("PRAGMA integrity_check"), "integrity");
  ASSERT_TRUE(MustOk(check.Step(), "step"));
  EXPECT_EQ(check.Text(0), "ok");
}

// A tenant's listing seeks its own range of jobs_tenant and walks it newest first (no sort, no
// scan); the insert's key statements seek jobs_idempotency_key on both of its columns.
TEST_F(SqliteMigrationTest, TenantListingAndKeyStatementsWalkTheirIndexes) {
  auto store = MustOpen();
  auto peek = Connect(true);
  const std::string list = QueryPlan(*peek, sqlite_queries::kListByTenant);
  EXPECT_THAT(list, HasSubstr("SEARCH jobs USING INDEX jobs_tenant (tenant=? AND seq<?)"));
  EXPECT_THAT(list, Not(HasSubstr("TEMP B-TREE")));
  for (const char* sql : {sqlite_queries::kSelectJobsByKeys, sqlite_queries::kReleaseKeys}) {
    EXPECT_THAT(QueryPlan(*peek, sql),
                HasSubstr("jobs_idempotency_key (idempotency_key=? AND tenant=?)"))
        << sql;
  }
}

TEST_F(SqliteMigrationTest, DependentsOfAFinishedJobAreFoundThroughTheirIndex) {
  auto store = MustOpen();
  auto peek = Connect(true);
  const std::string plan = QueryPlan(*peek, sqlite_dependency_queries::kBlockedOn);
  EXPECT_THAT(plan, HasSubstr("job_dependencies_on"));
  EXPECT_THAT(QueryPlan(*peek, sqlite_dependency_queries::kRelease), Not(HasSubstr("SCAN")));
}

}  // namespace
}  // namespace conveyor::testing
