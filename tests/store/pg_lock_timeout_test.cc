// PostgresStore when another session holds a lock its writes need (the PostgreSQL form of issue 8
// finding 1: a foreign `LOCK TABLE`, a long migration, a stuck transaction). Writes must answer
// Unavailable after the lock timeout instead of waiting forever, and land again once it is gone.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <string>

#include "postgres_test_util.h"

namespace conveyor::testing {
namespace {

using InsertResult = Result<std::vector<InsertOutcome>>;

// A second session on the schema holding an ACCESS EXCLUSIVE lock on `jobs` until Release().
class ForeignTableLock {
 public:
  explicit ForeignTableLock(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c_));
    Must("BEGIN");
    Must("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE");
  }
  ~ForeignTableLock() { PQfinish(c_); }
  void Release() { Must("ROLLBACK"); }

 private:
  void Must(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(std::string(sql) + ": " + PQerrorMessage(c_));
  }
  PGconn* c_;
};

TEST(PgLockTimeoutTest, WritesAnswerUnavailableWhileAnotherSessionHoldsTheTableAndLandAfter) {
  const std::string url = PgTestSchemas::Get().UrlFor(MakeTempDir());
  auto store = MustOpenPostgres(url, /*listen_notify=*/false);
  MustOk(store->Migrate(), "migrate");
  ForeignTableLock lock(url);
  auto during = std::async(std::launch::async, [&] {
    return store->JobInsertMany({.jobs = {MakeJob()}, .now = kT0});
  });
  // Bounded wait (a deadline, not a timing assertion): before the fix this waited forever.
  const bool answered = during.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  lock.Release();  // lets a stuck insert finish, so the test ends either way
  ASSERT_TRUE(answered) << "the insert waited on the foreign lock for 60 s";
  const InsertResult r = during.get();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("another session holds a lock"), std::string::npos)
      << r.status().ToString();
  MustInsert(*store);  // the lock is gone: writes land again
}

}  // namespace
}  // namespace conveyor::testing
