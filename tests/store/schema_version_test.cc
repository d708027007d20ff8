// Schema versions on both stores: a database migrated by a newer binary (a version recorded above
// the highest this binary knows) is refused by Migrate() with FailedPrecondition and a sentence
// naming both versions, before anything is changed; SchemaVersionGet() says where a database
// stands (what `conveyor migrate --status` prints).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "postgres_test_util.h"
#include "sqlite_temp_dir_test.h"
#include "store/postgres/pg_schema.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int kSqliteLatest = std::end(sqlite_schema::kMigrations)[-1].version;
constexpr int kPgLatest = std::end(pg_schema::kMigrations)[-1].version;

void ExpectNewerRefused(const Status& s, int store_version, int binary_version) {
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), AllOf(HasSubstr("version " + std::to_string(store_version)),
                                 HasSubstr("version " + std::to_string(binary_version)),
                                 HasSubstr("newer than this binary")));
}

class SqliteSchemaVersionTest : public SqliteTempDirTest {};

TEST_F(SqliteSchemaVersionTest, ANewerDatabaseIsRefusedAndLeftAsItWas) {
  {
    auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
    MustOk(store->Migrate(), "migrate");
  }
  // A newer binary's version, and one of ours not recorded: refused before it would run.
  const int newer = kSqliteLatest + 7;
  MustOk(Connect(false)->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                              ", 0); DELETE FROM schema_migrations WHERE version = " +
                              std::to_string(kSqliteLatest)),
         "record a newer version");
  auto store = MustOk(SqliteStore::Open({.path = path()}), "reopen");
  ExpectNewerRefused(store->Migrate(), newer, kSqliteLatest);
  const SchemaVersion v = MustOk(store->SchemaVersionGet(), "version");
  EXPECT_EQ(v.store, newer);
  EXPECT_EQ(v.binary, kSqliteLatest);
  EXPECT_THAT(v.pending, ElementsAre(kSqliteLatest));
}

TEST_F(SqliteSchemaVersionTest, VersionsOfAnEmptyAPartlyAndAFullyMigratedDatabase) {
  auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
  SchemaVersion v = MustOk(store->SchemaVersionGet(), "empty");
  EXPECT_EQ(v.store, 0);
  EXPECT_EQ(v.binary, kSqliteLatest);
  EXPECT_EQ(v.pending.size(), std::size(sqlite_schema::kMigrations));
  MustOk(store->Migrate(), "migrate");
  MustOk(Connect(false)->Exec("DELETE FROM schema_migrations WHERE version = " +
                              std::to_string(kSqliteLatest)),
         "forget the last migration");
  v = MustOk(store->SchemaVersionGet(), "one pending");
  EXPECT_THAT(v.pending, ElementsAre(kSqliteLatest));
  EXPECT_EQ(v.store, std::end(sqlite_schema::kMigrations)[-2].version);
}

class PostgresSchemaVersionTest : public ::testing::Test {
 protected:
  void SetUp() override { url_ = PgTestSchemas::Get().UrlFor(MakeTempDir()); }
  std::string url_;
};

TEST_F(PostgresSchemaVersionTest, ANewerDatabaseIsRefusedAndLeftAsItWas) {
  MustOk(MustOpenPostgres(url_)->Migrate(), "migrate");
  const int newer = kPgLatest + 3;
  MustPgExec(url_, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) + ", 0)");
  MustPgExec(url_, "DELETE FROM schema_migrations WHERE version = " + std::to_string(kPgLatest));
  auto store = MustOpenPostgres(url_);
  ExpectNewerRefused(store->Migrate(), newer, kPgLatest);
  const SchemaVersion v = MustOk(store->SchemaVersionGet(), "version");
  EXPECT_EQ(v.store, newer);
  EXPECT_EQ(v.binary, kPgLatest);
  EXPECT_THAT(v.pending, ElementsAre(kPgLatest));
}

TEST_F(PostgresSchemaVersionTest, VersionsOfAnEmptyAndAMigratedDatabase) {
  auto store = MustOpenPostgres(url_);
  SchemaVersion v = MustOk(store->SchemaVersionGet(), "empty");
  EXPECT_EQ(v.store, 0);
  EXPECT_EQ(v.binary, kPgLatest);
  EXPECT_EQ(v.pending.size(), std::size(pg_schema::kMigrations));
  MustOk(store->Migrate(), "migrate");
  v = MustOk(store->SchemaVersionGet(), "migrated");
  EXPECT_EQ(v.store, kPgLatest);
  EXPECT_THAT(v.pending, IsEmpty());
}

}  // namespace
}  // namespace conveyor::testing
