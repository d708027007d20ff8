// SqliteInsertCoalescer: merges concurrent single-job submits that carry no idempotency key
// into one multi-row INSERT inside the writer's group-commit batch. 64 clients submitting at
// once then cost one savepoint, one INSERT of 64 rows and one event statement instead of 64 of
// each (the writer thread is the submit path's bottleneck). Such jobs cannot conflict with each
// other, so merging changes no outcome; if the merged insert still fails, each submit is
// retried alone in its own savepoint, so one caller's error never fails another's write.
// Every call gets exactly one answer: a group is closed when its operation runs or, if the
// writer answers without running it (BEGIN IMMEDIATE failed, writer closing), when it is answered.
//
// Thread-safety: Add() may be called from any thread; completions run on the writer thread
// after COMMIT, like every SqliteWriter completion.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "store/sqlite/sqlite_writer.h"
#include "store/store.h"

namespace conveyor {

class SqliteInsertCoalescer {
 public:
  using Done = std::function<void(Result<std::vector<InsertOutcome>>)>;

  // `writer` must outlive this object's queued operations (SqliteStore drains it first).
  explicit SqliteInsertCoalescer(SqliteWriter& writer) : writer_(writer) {}

  // REQUIRES: CanMergeInsert(p) (store_insert_resolution.h).
  void Add(JobInsertManyParams p, Done done);

 private:
  struct Call {
    JobInsertManyParams params;
    Done done;
    std::optional<Result<std::vector<InsertOutcome>>> out;
  };
  using Group = std::vector<std::shared_ptr<Call>>;

  // After this, Add() starts a new group; the closed one no longer grows, so it may be read
  // without mu_.
  void Close(const std::shared_ptr<Group>& group);
  Status RunGroup(SqliteConnection& c, const std::shared_ptr<Group>& group);
  static Status InsertMerged(SqliteConnection& c, Group& group);
  static Status InsertEachAlone(SqliteConnection& c, Group& group);
  // The writer's Done for a group, on every path (ran or not): closes it, answers each call once.
  void Complete(const std::shared_ptr<Group>& group, const Status& batch);

  SqliteWriter& writer_;
  std::mutex mu_;
  // The group that an operation already queued on the writer will take; null when none is.
  std::shared_ptr<Group> open_;  // GUARDED_BY(mu_)
};

}  // namespace conveyor
