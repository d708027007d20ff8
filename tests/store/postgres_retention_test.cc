// Retention on PostgreSQL beyond the conformance suite: what a prune leaves behind. Deleted rows
// are dead tuples until (auto)vacuum; the test logs n_dead_tup and the jobs table's total size
// (heap and indexes) after each fill, prune and VACUUM, and checks that the size goes flat once
// vacuumed space is reused (docs/operations.md, "Retention": autovacuum advice). Never timed.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "postgres_test_util.h"

namespace conveyor::testing {
namespace {

constexpr int kRound = 10000;

// The first column of the first row of `sql`'s answer on `url`, as a number.
int64_t PgScalar(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  int64_t v = -1;
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      v = std::stoll(PQgetvalue(r, 0, 0));
    } else {
      error = PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error("`" + sql + "`: " + error);
  return v;
}

class PostgresRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgTestSchemas::Get().UrlFor(MakeTempDir());
    store_ = MustOpenPostgres(url_);
    MustOk(store_->Migrate(), "migrate");
  }
  void Fill(TimeMs finished) {
    for (int done = 0; done < kRound; done += 1000) {
      std::vector<Job> jobs;
      for (int i = 0; i < 1000; ++i) {
        Job j = MakeJob({.state = JobState::kSucceeded, .payload = R"({"data":[1,2,3,4,5]})"});
        j.created_at = finished;
        j.finished_at = j.updated_at = finished;
        jobs.push_back(std::move(j));
      }
      MustOk(store_->JobInsertMany({.jobs = std::move(jobs), .now = finished}), "fill");
    }
  }
  int64_t PruneAll(TimeMs now) {
    int64_t pruned = 0;
    JobPruneParams p = {.state = JobState::kSucceeded, .now = now, .age_ms = 1, .limit = 1000};
    for (;;) {
      JobPruneOutcome out = MustOk(store_->JobPrune(p), "prune");
      pruned += static_cast<int64_t>(out.pruned.size());
      if (!out.next_after_seq) return pruned;
      p.after_seq = *out.next_after_seq;
    }
  }
  // "size 4.1 MB, 20000 dead" of the jobs table now. Statistics reach pg_stat_user_tables when
  // a backend flushes them (at most once a second while it is busy): the wait lets them.
  std::string Sizes() {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    const int64_t bytes = PgScalar(url_, "SELECT pg_total_relation_size('jobs')");
    const int64_t dead = PgScalar(
        url_, "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE relname = "
              "'jobs' AND schemaname = current_schema()");
    return "size " + std::to_string(bytes / 1024) + " kB, " + std::to_string(dead) + " dead";
  }
  int64_t Bytes() { return PgScalar(url_, "SELECT pg_total_relation_size('jobs')"); }

  std::string url_;
  std::unique_ptr<PostgresStore> store_;
};

// Rounds of fill, prune, VACUUM: the first rounds grow the table (a deleted B-tree page is
// recycled only by a later VACUUM), then its size stays flat.
TEST_F(PostgresRetentionTest, DeadTuplesAndTableSizeBeforeAndAfterPruning) {
  std::vector<int64_t> sizes;
  for (int round = 0; round < 3; ++round) {
    const TimeMs t = kT0 + 100 * round;
    Fill(t);
    sizes.push_back(Bytes());
    const std::string after_fill = Sizes();
    ASSERT_EQ(PruneAll(t + 10), kRound);
    std::cout << "[ pg retention ] round " << round + 1 << ", " << kRound
              << " jobs: after the fill " << after_fill << "; after pruning them " << Sizes();
    MustPgExec(url_, "VACUUM jobs");
    std::cout << "; after VACUUM " << Sizes() << std::endl;
  }
  EXPECT_LE(sizes[2], sizes[1] + sizes[1] / 20);
}

}  // namespace
}  // namespace conveyor::testing
