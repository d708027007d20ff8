// PgInsertCoalescer: merges concurrent single-job submits that carry no idempotency key into one
// multi-row insert transaction. Each PostgreSQL commit waits for a WAL flush, so 64 clients
// submitting one job each would otherwise need 64 transactions on a handful of async threads;
// merged, they share one statement and one flush. Such jobs cannot conflict with each other, so
// merging changes no outcome; if a merged insert fails, each submit is retried alone, so one
// caller's error never fails another's write. Every call gets exactly one answer: when the
// merged insert fails for a reason no single row causes (PostgreSQL unreachable, a lost COMMIT),
// all its calls get that error at once instead of N more failing tries one by one.
//
// Thread-safety: Add() from any thread. `done` runs on an async runner thread.
// Lifetime: must outlive the runner's queued tasks (PostgresStore destroys the runner first).
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace conveyor {

class PgAsyncRunner;

class PgInsertCoalescer {
 public:
  using Done = std::function<void(Result<std::vector<InsertOutcome>>)>;
  using InsertFn = std::function<Result<std::vector<InsertOutcome>>(const JobInsertManyParams&)>;

  PgInsertCoalescer(PgAsyncRunner& runner, InsertFn insert, int max_drains)
      : runner_(runner), insert_(std::move(insert)), max_drains_(max_drains) {}

  // REQUIRES: CanMergeInsert(p) (store_insert_resolution.h).
  void Add(JobInsertManyParams p, Done done);

 private:
  struct Call {
    JobInsertManyParams params;
    Done done;
  };
  static constexpr size_t kMaxMerged = 1000;

  void Drain();
  void RunMerged(std::vector<Call>& calls);
  // insert_, with an exception turned into Internal.
  Result<std::vector<InsertOutcome>> SafeInsert(const JobInsertManyParams& p);
  // SafeInsert; a success is one commit of `submits` calls in the store-commit metrics.
  Result<std::vector<InsertOutcome>> TimedInsert(const JobInsertManyParams& p, size_t submits);

  PgAsyncRunner& runner_;
  const InsertFn insert_;
  const int max_drains_;
  std::mutex mu_;
  std::vector<Call> pending_;  // guarded by mu_
  int drains_ = 0;             // drain tasks posted or running; guarded by mu_
};

}  // namespace conveyor
