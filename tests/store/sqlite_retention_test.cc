// Retention on SQLite beyond the conformance suite: the file stops growing under steady
// fill-and-prune (freed pages are reused from the freelist, so no auto_vacuum is needed), what
// a prune leaves in the tables that hang off jobs (nothing), the plan of the candidate walk
// (jobs_state, no index of its own), and migration 13 on a database at 12.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store.h"
#include "sqlite_temp_dir_test.h"

namespace conveyor::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kRound = 20000;

class SqliteRetentionTest : public SqliteTempDirTest {
 protected:
  std::unique_ptr<SqliteStore> MustOpen() {
    auto store = MustOk(SqliteStore::Open({.path = path()}), "open");
    MustOk(store->Migrate(), "migrate");
    return store;
  }
  // `n` SUCCEEDED jobs finished at `finished`, each with a webhook delivery row made by hand
  // below and the insert's event.
  static void Fill(Store& store, int n, TimeMs finished) {
    for (int done = 0; done < n; done += 1000) {
      std::vector<Job> jobs;
      for (int i = 0; i < 1000; ++i) {
        Job j = MakeJob({.state = JobState::kSucceeded, .payload = R"({"data":[1,2,3,4,5]})"});
        j.created_at = finished;
        j.finished_at = j.updated_at = finished;
        j.result = R"({"sum":55})";
        jobs.push_back(std::move(j));
      }
      MustOk(store.JobInsertMany({.jobs = std::move(jobs), .now = finished}), "fill");
    }
  }
  static int64_t PruneAll(Store& store, TimeMs now) {
    int64_t pruned = 0;
    JobPruneParams p = {.state = JobState::kSucceeded, .now = now, .age_ms = 1, .limit = 1000};
    for (;;) {
      JobPruneOutcome out = MustOk(store.JobPrune(p), "prune");
      pruned += static_cast<int64_t>(out.pruned.size());
      if (!out.next_after_seq) return pruned;
      p.after_seq = *out.next_after_seq;
    }
  }
  int64_t Pragma(const char* name) {
    return MustOk(Connect(true)->QueryInt(std::string("PRAGMA ") + name), name);
  }
};

// Fill, prune, fill again: the second fill reuses the pages the prune freed. Measured, not a
// timing: page_count after the refill stays within 5% of after the first fill.
TEST_F(SqliteRetentionTest, TheFileStopsGrowingUnderFillAndPrune) {
  auto store = MustOpen();
  Fill(*store, kRound, kT0);
  const int64_t filled = Pragma("page_count");
  ASSERT_EQ(PruneAll(*store, kT0 + 10), kRound);
  const int64_t freed = Pragma("freelist_count");
  for (int round = 1; round <= 3; ++round) {
    Fill(*store, kRound, kT0 + 100 * round);
    ASSERT_EQ(PruneAll(*store, kT0 + 100 * round + 10), kRound);
  }
  Fill(*store, kRound, kT0 + 1000);
  const int64_t refilled = Pragma("page_count");
  std::cout << "[ sqlite retention ] " << kRound << " jobs: page_count " << filled
            << " after the first fill, freelist " << freed << " after pruning them, page_count "
            << refilled << " after three more fill+prune rounds and a fill (auto_vacuum "
            << Pragma("auto_vacuum") << ")" << std::endl;
  EXPECT_GT(freed, filled / 2);
  EXPECT_LE(refilled, filled + filled / 20);
}

TEST_F(SqliteRetentionTest, APruneLeavesNoRowBehindInTheTablesThatHangOffJobs) {
  auto store = MustOpen();
  Fill(*store, 1000, kT0);
  auto c = Connect(false);
  MustOk(c->Exec("INSERT INTO webhook_deliveries (job_seq, n, event, url, next_attempt_at,"
                 " created_at, updated_at) SELECT seq, 1, 'job.succeeded', 'https://h.test/',"
                 " 0, 0, 0 FROM jobs"),
         "deliveries");
  MustOk(c->Exec("INSERT INTO webhook_delivery_attempts (job_seq, n, attempt, at)"
                 " SELECT job_seq, 1, 1, 0 FROM webhook_deliveries"),
         "attempts");
  MustOk(c->Exec("INSERT INTO job_dependencies (job_seq, depends_on_seq)"
                 " SELECT seq + 1, seq FROM jobs WHERE seq + 1 IN (SELECT seq FROM jobs)"),
         "edges");
  ASSERT_EQ(PruneAll(*store, kT0 + 10), 1000);
  for (const char* table : {"jobs", "job_events", "webhook_deliveries",
                            "webhook_delivery_attempts", "job_dependencies"}) {
    EXPECT_EQ(MustOk(c->QueryInt(std::string("SELECT count(*) FROM ") + table), table), 0)
        << table;
  }
}

TEST_F(SqliteRetentionTest, TheCandidateWalkIsARangeOfJobsState) {
  auto store = MustOpen();
  auto c = Connect(true);
  auto st = MustOk(c->Prepare("EXPLAIN QUERY PLAN " + std::string(sqlite_queries::kPruneCandidates)),
                   "explain");
  std::string plan;
  while (MustOk(st.Step(), "step")) plan += st.Text(3) + "\n";
  EXPECT_THAT(plan, HasSubstr("USING INDEX jobs_state (state=? AND seq>?)"));
  EXPECT_THAT(plan, ::testing::Not(HasSubstr("TEMP B-TREE")));  // no sort: index order
}

TEST_F(SqliteRetentionTest, Migration13GivesExistingQueuesNoAgesOfTheirOwn) {
  {
    auto c = Connect(false);
    MustOk(c->Exec(sqlite_schema::kCreateMigrationsTable), "migrations table");
    for (const auto& m : sqlite_schema::kMigrations) {
      if (m.version >= 13) break;
      MustOk(c->Exec(m.sql), "migration");
      if (m.then) MustOk(m.then(*c), "migration step");
      MustOk(c->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) +
                     ", 0)"),
             "record");
    }
    MustOk(c->Exec("INSERT INTO queues (name, weight, created_at, updated_at)"
                   " VALUES ('reports', 3, 0, 0)"),
           "queue");
  }
  auto store = MustOpen();
  bool seen = false;
  for (const QueueSettings& q : MustOk(store->QueueList(), "queues")) {
    if (q.name != "reports") continue;
    seen = true;
    EXPECT_EQ(q.weight, 3);
    EXPECT_EQ(q.retention, QueueRetention{});
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace conveyor::testing
