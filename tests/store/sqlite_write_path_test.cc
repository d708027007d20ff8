// SQLite migration 14: the CHECKs on jobs.state and webhook_deliveries' event and state, and the
// partial indexes jobs_claim and jobs_expiry, say their sets of values as comparisons joined by
// OR, so a row an UPDATE or INSERT touches does not fill a temporary B-tree with an IN list. A
// database written at version 13 migrates keeping its rows; the CHECKs still refuse what they
// refused; the claim still walks its index; and no statement of the hot path builds an IN list's
// temporary table except once per run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_queue_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "sqlite_temp_dir_test.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SqliteWritePathTest : public SqliteTempDirTest {
 protected:
  std::unique_ptr<SqliteStore> MustOpen() {
    auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  // A database as a version-13 binary left it: one waiting job with an expiry, one SUCCEEDED
  // job with a pending delivery.
  void WriteVersion13Database() {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (const auto& m : sqlite_schema::kMigrations) {
      if (m.version > 13) continue;
      MustOk(c->Exec("BEGIN"), "begin");
      MustOk(c->Exec(m.sql), "migration");
      if (m.then != nullptr) MustOk(m.then(*c), "step");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 0)"),
             "record");
      MustOk(c->Exec("COMMIT"), "commit");
    }
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, run_at, expires_at, created_at, updated_at)"
                   " VALUES ('a', 'noop', 'PENDING', 0, 99, 0, 0),"
                   " ('b', 'noop', 'SUCCEEDED', 0, NULL, 0, 0)"),
           "jobs");
    MustOk(c->Exec("INSERT INTO webhook_deliveries (job_seq, n, event, url, next_attempt_at,"
                   " created_at, updated_at) VALUES (2, 1, 'job.succeeded', 'https://h.test/x',"
                   " 0, 0, 0)"),
           "delivery");
  }
  std::string TableSql(SqliteConnection& c, const std::string& table) {
    auto st = MustOk(c.Prepare("SELECT sql FROM sqlite_schema WHERE name = ?1"), "sql");
    st.BindText(1, table);
    EXPECT_TRUE(MustOk(st.Step(), "step"));
    return st.Text(0);
  }
  // The addresses of OpenEphemeral opcodes that make a keyed temporary table (an IN list's) and
  // do not follow a Once: those are filled again for every row the statement visits.
  std::vector<int64_t> ListTablesBuiltPerRow(SqliteConnection& c, std::string_view sql) {
    auto st = MustOk(c.Prepare("EXPLAIN " + std::string(sql)), "explain");
    std::vector<int64_t> out;
    std::string previous;
    while (MustOk(st.Step(), "step")) {
      const std::string opcode = st.Text(1);
      if (opcode == "OpenEphemeral" && st.Text(5).starts_with("k(") && previous != "Once") {
        out.push_back(st.Int(0));
      }
      previous = opcode;
    }
    return out;
  }
};

TEST_F(SqliteWritePathTest, ADatabaseAtVersion13MigratesKeepingItsRowsAndItsChecks) {
  WriteVersion13Database();
  auto store = MustOpen();
  store.reset();
  auto c = Connect(false);
  const std::string jobs = TableSql(*c, "jobs");
  EXPECT_THAT(jobs, HasSubstr("CHECK (state = 'SCHEDULED' OR state = 'PENDING' OR"));
  EXPECT_THAT(jobs, HasSubstr("OR state = 'BLOCKED')"));
  EXPECT_THAT(jobs, Not(HasSubstr("state IN (")));
  const std::string deliveries = TableSql(*c, "webhook_deliveries");
  EXPECT_THAT(deliveries, HasSubstr("CHECK (event = 'job.succeeded' OR"));
  EXPECT_THAT(deliveries, HasSubstr("CHECK (state = 'pending' OR state = 'delivered' OR"));
  {
    auto check = MustOk(c->Prepare("PRAGMA integrity_check"), "integrity");
    ASSERT_TRUE(MustOk(check.Step(), "step"));
    EXPECT_EQ(check.Text(0), "ok");
  }
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM jobs"), "jobs"), 2);
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM jobs INDEXED BY jobs_claim WHERE"
                               " queue = 'default' AND " CONVEYOR_WAITING_STATE),
                   "claimable"),
            1);
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM jobs INDEXED BY jobs_expiry WHERE "
                               CONVEYOR_WAITING_OR_BLOCKED_STATE " AND expires_at IS NOT NULL"),
                   "expiring"),
            1);
  EXPECT_FALSE(c->Exec("UPDATE jobs SET state = 'BOGUS' WHERE id = 'a'").ok());
  EXPECT_TRUE(c->Exec("UPDATE jobs SET state = 'BLOCKED' WHERE id = 'a'").ok());
  EXPECT_FALSE(c->Exec("UPDATE webhook_deliveries SET state = 'lost'").ok());
  EXPECT_FALSE(c->Exec("UPDATE webhook_deliveries SET event = 'job.bogus'").ok());
  EXPECT_TRUE(c->Exec("UPDATE webhook_deliveries SET state = 'failed', event = 'job.expired'").ok());
}

TEST_F(SqliteWritePathTest, TheHotPathFillsNoInListPerRow) {
  auto store = MustOpen();
  auto c = Connect(true);
  for (const char* sql : {sqlite_queries::kClaimUpdate, sqlite_queries::kComplete,
                          sqlite_queries::kCompleteEvents, sqlite_queries::kClaimEvents,
                          sqlite_queries::kClaimSelect, sqlite_queries::kClaimQueues}) {
    EXPECT_THAT(ListTablesBuiltPerRow(*c, sql), ::testing::IsEmpty()) << sql;
  }
}

TEST_F(SqliteWritePathTest, TheClaimStillWalksItsIndexInOrder) {
  auto store = MustOpen();
  auto c = Connect(true);
  auto st = MustOk(c->Prepare("EXPLAIN QUERY PLAN " + std::string(sqlite_queries::kClaimSelect)),
                   "plan");
  std::string plan;
  while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
  EXPECT_THAT(plan, HasSubstr("SEARCH jobs USING INDEX jobs_claim (queue=?)"));
  EXPECT_THAT(plan, Not(HasSubstr("TEMP B-TREE")));
}

}  // namespace
}  // namespace conveyor::testing
