// PostgreSQL numbers job_events rows at INSERT, not at COMMIT: with one transaction held open
// after taking seq N, another commits N+1 and JobEventsAfter shows N+1 alone. JobEventGaps must
// hold N+1 back until N commits (then both pass, in order), and give N up once it rolled back
// and the give-up time passed. Two real connections; no mock.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "postgres_test_util.h"
#include "store/job_event_gaps.h"

namespace conveyor::testing {
namespace {

// A libpq connection of the test's own, so it can hold a transaction open across store calls.
class HeldTransaction {
 public:
  explicit HeldTransaction(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c_));
  }
  ~HeldTransaction() { PQfinish(c_); }
  void MustRun(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string error = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) throw std::runtime_error(sql + ": " + error);
  }
  // Opens a transaction that takes the next job_events seq for job `id` and keeps it open.
  void BeginEventOf(const std::string& id) {
    MustRun("BEGIN");
    MustRun(
        "INSERT INTO job_events (job_seq, at, from_state, to_state, attempt) SELECT seq, 0, "
        "NULL, 'PENDING', 0 FROM jobs WHERE id = '" +
        id + "'");
  }

 private:
  PGconn* c_;
};

class PostgresEventGapsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgTestSchemas::Get().UrlFor(MakeTempDir());
    store_ = MustOpenPostgres(url_);
    MustOk(store_->Migrate(), "migrate");
  }
  std::vector<JobEventRow> After(int64_t seq) {
    return MustOk(store_->JobEventsAfter(seq, 100), "events after");
  }
  std::string url_;
  // Through the Store seam: PostgresStore defines its Run<T> in its own .cc, so a call on the
  // concrete (final) type would instantiate it here, where its definition is not visible.
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresEventGapsTest, ALaterCommitWaitsForAnEarlierSeqStillInFlight) {
  const Job first = MustInsert(*store_);
  const int64_t start = MustOk(store_->JobEventsLastSeq(), "last seq");
  HeldTransaction held(url_);
  held.BeginEventOf(first.id);             // takes start + 1, not committed
  const Job second = MustInsert(*store_);  // start + 2, committed
  JobEventGaps gaps(2000);
  const auto visible = After(start);
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ(visible[0].job_id, second.id);
  EXPECT_EQ(gaps.Deliverable(start, visible, kT0), 0u);
  held.MustRun("COMMIT");
  const auto both = After(start);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].job_id, first.id);
  EXPECT_EQ(both[0].seq, start + 1);
  EXPECT_EQ(gaps.Deliverable(start, both, kT0 + 100), 2u);
}

TEST_F(PostgresEventGapsTest, ARolledBackSeqIsGivenUpAfterTheGiveUpTime) {
  const Job first = MustInsert(*store_);
  const int64_t start = MustOk(store_->JobEventsLastSeq(), "last seq");
  HeldTransaction held(url_);
  held.BeginEventOf(first.id);
  MustInsert(*store_);
  held.MustRun("ROLLBACK");
  JobEventGaps gaps(2000);
  const auto rows = After(start);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].seq, start + 2);
  EXPECT_EQ(gaps.Deliverable(start, rows, kT0), 0u);
  EXPECT_EQ(gaps.Deliverable(start, rows, kT0 + 1999), 0u);
  EXPECT_EQ(gaps.Deliverable(start, rows, kT0 + 2000), 1u);
}

}  // namespace
}  // namespace conveyor::testing
