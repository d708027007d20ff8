// SqliteWriter: group commit. One thread owns the write connection. Callers enqueue an operation
// (a function that writes through the connection) and a completion. The thread takes everything
// queued (up to a cap), runs it in ONE `BEGIN IMMEDIATE` transaction with each operation inside
// its own SAVEPOINT, commits (one fsync for the whole batch), and only then completes each caller
// with its own outcome. An operation that fails is rolled back to its savepoint alone; if COMMIT
// fails, every operation of the batch gets that error.
//
// While one batch is being fsynced, new operations pile up and form the next batch, so the fsync
// cost is shared by all callers that arrive during it.
//
// A batch of kDeferred operations only (claims, completions: store/commit_sync.h) commits with
// synchronous=NORMAL: written to the WAL, answered without waiting for its fsync. The next
// durable batch's fsync covers it; when none comes within deferred_sync_bound, that batch is made
// durable anyway, or, with the writer idle, a passive checkpoint syncs the WAL. A kill -9 loses
// nothing either way (the WAL is written before anyone is answered); an OS crash or a power cut
// can undo at most the last deferred_sync_bound of claims and completions, whose jobs then run
// again — at least once, as after a lost lease.
//
// Thread-safety: Submit/Run may be called from any thread. Completions run on the writer thread
// and must not block or call Run() (that would wait on the thread running it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/commit_sync.h"
#include "store/sqlite/sqlite_connection.h"

namespace conveyor {

struct SqliteWriterOptions {
  int max_batch_ops = 1000;     // operations per transaction, at most
  int max_batch_rows = 20000;   // sum of operation weights (≈ rows written) per transaction
  // Test seam (fault injection): called just before COMMIT; a non-OK status is treated as if
  // COMMIT had failed with it.
  std::function<Status()> TEST_before_commit;
  // Called on the writer thread after each transaction with its outcome as a whole: OK when it
  // committed, else why it could not be written (failed BEGIN or COMMIT, a rolled-back
  // transaction). A caller's own error, rolled back to its savepoint, is not a failure here.
  std::function<void(const Status&)> on_transaction;
  // How long a kDeferred commit may wait for an fsync (see above).
  std::chrono::milliseconds deferred_sync_bound{100};
};

class SqliteWriter {
 public:
  // Runs inside the batch transaction; a non-OK result rolls back this operation only.
  using Op = std::function<Status(SqliteConnection&)>;
  // Called after the batch is durable (or failed), with the operation's final outcome.
  using Done = std::function<void(const Status&)>;

  SqliteWriter(std::unique_ptr<SqliteConnection> conn, SqliteWriterOptions opts);
  ~SqliteWriter();  // runs what is queued, then stops
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  // `weight` ≈ rows the operation writes; it bounds the size of a batch.
  void Submit(Op op, Done done, int weight = 1, CommitSync sync = CommitSync::kDurable);
  // Submits and waits for the outcome.
  Status Run(Op op, int weight = 1, CommitSync sync = CommitSync::kDurable);

  // Whether a committed kDeferred batch still waits for an fsync (tests).
  bool HasUnsyncedCommits() const { return unsynced_.load(std::memory_order_acquire); }

 private:
  struct Pending {
    Op op;
    Done done;
    int weight;
    CommitSync sync;
    Status status;
  };
  using Clock = std::chrono::steady_clock;

  void Loop();
  void TakeBatch(std::unique_lock<std::mutex>& lock, std::vector<Pending>& batch);
  void RunBatch(std::vector<Pending>& batch);
  Status RunOne(Pending& p);
  Status Commit();
  // PRAGMA synchronous for the next transaction: FULL when `durable`, else NORMAL.
  Status UseSynchronous(bool durable);
  // With the writer idle: a passive checkpoint, which syncs the WAL first; true when it covered
  // every frame (a reader's snapshot can hold some back: then it is tried again later).
  bool SyncDeferred();
  void FailDone(std::vector<Pending>& batch, size_t end, const Status& s);

  std::unique_ptr<SqliteConnection> conn_;  // touched only by thread_
  const SqliteWriterOptions opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;      // GUARDED_BY(mu_)
  // Deferred commits: whether one waits for an fsync, since when; touched by thread_ only (the
  // atomic is read by tests).
  std::atomic<bool> unsynced_{false};
  Clock::time_point unsynced_since_;
  bool synchronous_full_ = true;  // the connection's PRAGMA synchronous (opened FULL)
  std::thread thread_;
};

}  // namespace conveyor
