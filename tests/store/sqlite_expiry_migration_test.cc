// SQLite-only checks of schema migration 4 (the partial jobs_expiry index): a database written at
// version 3 migrates, its waiting jobs with an expires_at land in the index and expire, and the
// expiry queries walk the index in expiry order instead of sorting the backlog.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class SqliteExpiryMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/conveyor.db"; }
  std::unique_ptr<SqliteConnection> Connect(bool read_only) {
    return MustOk(SqliteConnection::Open(path(), {.read_only = read_only}), "connect");
  }
  std::string QueryPlan(SqliteConnection& c, std::string_view sql) {
    auto st = MustOk(c.Prepare("EXPLAIN QUERY PLAN " + std::string(sql)), "explain");
    std::string plan;
    while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
    return plan;
  }
  std::string dir_;
};

TEST_F(SqliteExpiryMigrationTest, WaitingJobsWrittenAtVersion3ExpireAfterTheMigration) {
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

TEST_F(SqliteExpiryMigrationTest, ExpiryQueriesWalkTheExpiryIndex) {
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  MustOk(store->Migrate(), "migrate");
  auto peek = Connect(true);
  for (const char* sql : {sqlite_queries::kExpireSelect, sqlite_queries::kNextExpiry}) {
    const std::string plan = QueryPlan(*peek, sql);
    EXPECT_THAT(plan, HasSubstr("jobs_expiry")) << sql;
    EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE"))) << sql;
  }
}

}  // namespace
}  // namespace conveyor::testing
