// SQLite-only checks of migration 8 (unique windows: idempotency_key_released): a keyed job
// written before it keeps its key and gives it up once its window passed, and the list by key
// walks the unique key index. The behaviour itself is in the conformance suite
// (store_conformance_unique.h), on both stores.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "sqlite_temp_dir_test.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class SqliteUniqueWindowTest : public SqliteTempDirTest {
 protected:
  // A database as a binary at migration 4 left it, with one job holding key "k" since kT0.
  std::string WriteVersion4Database() {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (int v : {1, 2, 3, 4}) {
      MustOk(c->Exec(sqlite_schema::kMigrations[v - 1].sql), "migration");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)"),
             "record");
    }
    const std::string id = MakeJob().id;
    MustOk(c->Exec("INSERT INTO jobs (id, type, state, run_at, idempotency_key, request_hash,"
                   " created_at, updated_at) VALUES ('" +
                   id +
                   "', 'noop', 'SUCCEEDED', 0, 'k',"
                   " 'hash-a', " +
                   std::to_string(kT0) + ", 0)"),
           "v4 job");
    return id;
  }
};

TEST_F(SqliteUniqueWindowTest, KeyedJobWrittenBeforeMigration8GivesItsKeyUpAfterItsWindow) {
  const std::string old_id = WriteVersion4Database();
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  MustOk(store->Migrate(), "migrate");
  EXPECT_EQ(MustGet(*store, old_id).idempotency_key, "k");
  Job again = MakeJob({.idempotency_key = "k"});
  auto inside = MustOk(
      store->JobInsertMany({.jobs = {again}, .now = kT0 + 999, .key_window_ms = 1000}), "inside");
  EXPECT_EQ(inside[0].job.id, old_id);
  auto after = MustOk(
      store->JobInsertMany({.jobs = {again}, .now = kT0 + 1000, .key_window_ms = 1000}), "after");
  EXPECT_TRUE(after[0].is_new);
  EXPECT_EQ(MustGet(*store, old_id).idempotency_key, "k");  // shown, but no longer held
  EXPECT_THAT(Ids(MustOk(store->JobList({.idempotency_key = "k"}), "list").jobs),
              ElementsAre(after[0].job.id));
}

// By key alone (an admin's lookup over every tenant) the key index yields one holder per tenant
// at most, sorted; with a tenant it is one seek on both columns and nothing to sort.
TEST_F(SqliteUniqueWindowTest, ListByKeyWalksTheUniqueKeyIndex) {
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  MustOk(store->Migrate(), "migrate");
  auto peek = Connect(true);
  const auto plan_of = [&](const char* sql) {
    auto st = MustOk(peek->Prepare("EXPLAIN QUERY PLAN " + std::string(sql)), "explain");
    std::string plan;
    while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
    return plan;
  };
  EXPECT_THAT(plan_of(sqlite_queries::kListByKey),
              HasSubstr("jobs_idempotency_key (idempotency_key=?)"));
  const std::string one = plan_of(sqlite_queries::kListByTenantKey);
  EXPECT_THAT(one, HasSubstr("jobs_idempotency_key (idempotency_key=? AND tenant=?"));
  EXPECT_THAT(one, Not(HasSubstr("TEMP B-TREE")));
}

}  // namespace
}  // namespace conveyor::testing
