// SqliteWriter's deferred commits (store/commit_sync.h): a batch of kDeferred operations only
// commits with synchronous=NORMAL, any kDurable operation makes its batch FULL, and a deferred
// commit is synced within the bound — by the next batch, or with the writer idle by a passive
// checkpoint, retried while a reader's snapshot holds frames back. And the store: claims and
// completions are deferred, submits durable.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sqlite_temp_dir_test.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_writer.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using std::chrono::milliseconds;

class SqliteDeferredSyncTest : public SqliteTempDirTest {
 protected:
  std::unique_ptr<SqliteWriter> MakeWriter(milliseconds bound) {
    auto conn = Connect(false);
    MustOk(conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      " CREATE TABLE t (x INTEGER)"),
           "schema");
    return std::make_unique<SqliteWriter>(std::move(conn),
                                          SqliteWriterOptions{.deferred_sync_bound = bound});
  }
  // Inserts a row and reports the PRAGMA synchronous its transaction runs under (1 NORMAL, 2 FULL).
  static int64_t InsertReadingSync(SqliteWriter& w, CommitSync sync) {
    int64_t level = -1;
    MustOk(w.Run(
               [&level](SqliteConnection& c) -> Status {
                 Result<int64_t> v = c.QueryInt("PRAGMA synchronous");
                 if (!v.ok()) return v.status();
                 level = *v;
                 return c.Exec("INSERT INTO t VALUES (1)");
               },
               1, sync),
           "insert");
    return level;
  }
  static bool WaitSynced(const SqliteWriter& w, milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (w.HasUnsyncedCommits() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return !w.HasUnsyncedCommits();
  }
};

TEST_F(SqliteDeferredSyncTest, DeferredBatchesCommitWithoutFsyncAndDurableOnesWithIt) {
  auto w = MakeWriter(milliseconds(60000));
  EXPECT_EQ(InsertReadingSync(*w, CommitSync::kDeferred), 1);
  EXPECT_TRUE(w->HasUnsyncedCommits());
  EXPECT_EQ(InsertReadingSync(*w, CommitSync::kDeferred), 1);
  EXPECT_EQ(InsertReadingSync(*w, CommitSync::kDurable), 2);
  EXPECT_FALSE(w->HasUnsyncedCommits());  // the durable commit's fsync covered the others
  w.reset();
  auto c = Connect(true);
  EXPECT_EQ(MustOk(c->QueryInt("SELECT count(*) FROM t"), "count"), 3);
}

TEST_F(SqliteDeferredSyncTest, AnIdleWriterSyncsADeferredCommitWithinTheBound) {
  auto w = MakeWriter(milliseconds(50));
  InsertReadingSync(*w, CommitSync::kDeferred);
  ASSERT_TRUE(w->HasUnsyncedCommits());
  EXPECT_TRUE(WaitSynced(*w, milliseconds(5000)));
  // Past the bound, a deferred batch itself is made durable.
  InsertReadingSync(*w, CommitSync::kDeferred);
  EXPECT_TRUE(WaitSynced(*w, milliseconds(5000)));
}

TEST_F(SqliteDeferredSyncTest, AReaderHoldingFramesBackDelaysTheSyncUntilItEnds) {
  auto w = MakeWriter(milliseconds(30));
  InsertReadingSync(*w, CommitSync::kDurable);
  auto reader = Connect(true);
  MustOk(reader->Exec("BEGIN"), "begin");
  EXPECT_EQ(MustOk(reader->QueryInt("SELECT count(*) FROM t"), "snapshot"), 1);
  InsertReadingSync(*w, CommitSync::kDeferred);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(w->HasUnsyncedCommits());  // the checkpoint could not reach the new frames
  MustOk(reader->Exec("COMMIT"), "end snapshot");
  EXPECT_TRUE(WaitSynced(*w, milliseconds(5000)));
}

}  // namespace
}  // namespace conveyor::testing
