#include "store/sqlite/sqlite_writer.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <string>
#include <utility>

#include "observability/metrics.h"

namespace conveyor {
namespace {

// Why a transaction SQLite rolled back by itself was lost: a full disk stays a full disk (507,
// the operator must free space), anything else is a store that cannot write right now (503).
Status RolledBack(const Status& cause) {
  std::string why = "transaction rolled back: " + cause.message();
  if (cause.code() == StatusCode::kInsufficientStorage) {
    return Status::InsufficientStorage(std::move(why));
  }
  return Status::Unavailable(std::move(why));
}

}  // namespace

SqliteWriter::SqliteWriter(std::unique_ptr<SqliteConnection> conn, SqliteWriterOptions opts)
    : conn_(std::move(conn)), opts_(std::move(opts)) {
  thread_ = std::thread([this] { Loop(); });
}

SqliteWriter::~SqliteWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SqliteWriter::Submit(Op op, Done done, int weight, CommitSync sync) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(op), std::move(done), weight, sync, Status::Ok()});
      cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the SQLite store is closing"));
}

Status SqliteWriter::Run(Op op, int weight, CommitSync sync) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    // Waiting here would wait on ourselves: a completion called a synchronous write.
    return Status::Internal("a synchronous store write was called from a store completion");
  }
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  Submit(std::move(op), [&promise](const Status& s) { promise.set_value(s); }, weight, sync);
  return future.get();
}

void SqliteWriter::Loop() {
  std::vector<Pending> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [this] { return stopping_ || !queue_.empty(); };
      // Idle with a deferred commit unsynced: sync it by its bound (and retry after another
      // bound when a reader held frames back).
      while (unsynced_ && !ready()) {
        if (cv_.wait_until(lock, unsynced_since_ + opts_.deferred_sync_bound, ready)) break;
        lock.unlock();
        if (SyncDeferred()) {
          unsynced_ = false;
        } else {
          unsynced_since_ = Clock::now();
        }
        lock.lock();
      }
      cv_.wait(lock, ready);
      if (queue_.empty()) return;  // stopping, and everything queued has run
      TakeBatch(lock, batch);
    }
    RunBatch(batch);
    batch.clear();
  }
}

// REQUIRES: mu_ held (via lock).
void SqliteWriter::TakeBatch(std::unique_lock<std::mutex>&, std::vector<Pending>& batch) {
  int rows = 0;
  // Always take at least one operation, however heavy, so a big insert is never starved.
  while (!queue_.empty() && static_cast<int>(batch.size()) < opts_.max_batch_ops &&
         (batch.empty() || rows + queue_.front().weight <= opts_.max_batch_rows)) {
    rows += queue_.front().weight;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void SqliteWriter::RunBatch(std::vector<Pending>& batch) {
  const auto started = Clock::now();
  const bool durable =
      std::any_of(batch.begin(), batch.end(),
                  [](const Pending& p) { return p.sync == CommitSync::kDurable; }) ||
      (unsynced_ && started - unsynced_since_ >= opts_.deferred_sync_bound);
  Status begin = UseSynchronous(durable);
  if (begin.ok()) begin = conn_->Run("BEGIN IMMEDIATE");
  size_t first_live = 0;  // operations before this index were lost with a vanished transaction
  Status outcome;         // the batch's transaction as a whole, for on_transaction
  for (size_t i = 0; i < batch.size() && begin.ok(); ++i) {
    batch[i].status = RunOne(batch[i]);
    if (batch[i].status.ok() || conn_->InTransaction()) continue;
    // SQLite rolled back the whole transaction (e.g. disk full): earlier operations are gone too.
    outcome = RolledBack(batch[i].status);
    FailDone(batch, i, outcome);
    first_live = i + 1;
    begin = conn_->Run("BEGIN IMMEDIATE");
  }
  if (!begin.ok()) {
    for (size_t i = first_live; i < batch.size(); ++i) batch[i].status = begin;
    outcome = begin;
  } else {
    const Status commit = Commit();
    if (!commit.ok()) FailDone(batch, batch.size(), commit);
    if (commit.ok()) {
      const std::chrono::duration<double> took = Clock::now() - started;
      observability::metrics::RecordCommitSeconds(took.count());
      if (durable) {
        unsynced_ = false;  // its fsync covered every deferred commit before it
      } else if (!unsynced_) {
        unsynced_ = true;
        unsynced_since_ = started;
      }
    }
    if (outcome.ok()) outcome = commit;
  }
  if (opts_.on_transaction) opts_.on_transaction(outcome);
  // Every caller is answered on every path above, whether or not its operation ran.
  for (Pending& p : batch) p.done(p.status);
}

// Marks every successful operation before `end` with `s` (their writes did not survive).
void SqliteWriter::FailDone(std::vector<Pending>& batch, size_t end, const Status& s) {
  for (size_t i = 0; i < end; ++i) {
    if (batch[i].status.ok()) batch[i].status = s;
  }
}

Status SqliteWriter::RunOne(Pending& p) {
  Status s = conn_->Run("SAVEPOINT op");
  if (!s.ok()) return s;
  try {
    s = p.op(*conn_);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("store operation threw: ") + e.what());
  }
  if (s.ok()) return conn_->Run("RELEASE op");
  if (conn_->InTransaction()) {
    Status rb = conn_->Run("ROLLBACK TO op");
    if (rb.ok()) rb = conn_->Run("RELEASE op");
    // Could not undo this op alone: COMMIT would keep its partial writes, so drop the whole
    // transaction; RunBatch then fails the batch's earlier operations too.
    if (!rb.ok()) (void)conn_->Run("ROLLBACK");
  }
  return s;
}

Status SqliteWriter::UseSynchronous(bool durable) {
  if (durable == synchronous_full_) return Status::Ok();
  Status s = conn_->Run(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  if (s.ok()) synchronous_full_ = durable;
  return s;
}

bool SqliteWriter::SyncDeferred() {
  int log_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &log_frames, &checkpointed);
  return rc == SQLITE_OK && checkpointed == log_frames;
}

Status SqliteWriter::Commit() {
  Status s = opts_.TEST_before_commit ? opts_.TEST_before_commit() : Status::Ok();
  if (s.ok()) s = conn_->Run("COMMIT");
  if (!s.ok() && conn_->InTransaction()) {
    // The batch is lost either way; the rollback's own error would add nothing for callers.
    (void)conn_->Run("ROLLBACK");
  }
  return s;
}

}  // namespace conveyor
