#include "store/sqlite/sqlite_insert_coalescer.h"

#include <algorithm>
#include <utility>

#include "observability/metrics.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/store_insert_resolution.h"

namespace conveyor {

void SqliteInsertCoalescer::Add(JobInsertManyParams p, Done done) {
  auto call = std::make_shared<Call>(Call{std::move(p), std::move(done), std::nullopt});
  std::shared_ptr<Group> fresh;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_ == nullptr) fresh = open_ = std::make_shared<Group>();
    open_->push_back(std::move(call));
  }
  if (fresh == nullptr) return;  // an operation is already queued and will take this call
  writer_.Submit([this, fresh](SqliteConnection& c) { return RunGroup(c, fresh); },
                 [this, fresh](const Status& s) { Complete(fresh, s); });
}

void SqliteInsertCoalescer::Close(const std::shared_ptr<Group>& group) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_ == group) open_.reset();  // calls from now on start the next group
}

Status SqliteInsertCoalescer::RunGroup(SqliteConnection& c, const std::shared_ptr<Group>& group) {
  Close(group);
  if (Status s = InsertMerged(c, *group); s.ok() || !c.InTransaction()) return s;
  return InsertEachAlone(c, *group);
}

Status SqliteInsertCoalescer::InsertMerged(SqliteConnection& c, Group& group) {
  const JobInsertManyParams merged = MergeInserts(
      group, [](const auto& call) -> const JobInsertManyParams& { return call->params; });
  if (Status s = c.Run("SAVEPOINT merged"); !s.ok()) return s;
  Result<std::vector<InsertOutcome>> out = sqlite_ops::JobInsertMany(c, merged);
  if (!out.ok()) {
    if (c.InTransaction()) {
      (void)c.Run("ROLLBACK TO merged");  // InsertEachAlone reports what went wrong, per call
      (void)c.Run("RELEASE merged");
    }
    return out.status();
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->out.emplace(std::vector<InsertOutcome>{std::move((*out)[i])});
  }
  return c.Run("RELEASE merged");
}

Status SqliteInsertCoalescer::InsertEachAlone(SqliteConnection& c, Group& group) {
  for (const auto& call : group) {
    if (Status s = c.Run("SAVEPOINT alone"); !s.ok()) return s;
    call->out.emplace(sqlite_ops::JobInsertMany(c, call->params));
    if (!c.InTransaction()) return call->out->status();  // the whole transaction is gone
    if (!call->out->ok()) (void)c.Run("ROLLBACK TO alone");  // keeps the others' rows
    if (Status s = c.Run("RELEASE alone"); !s.ok()) return s;
  }
  return Status::Ok();
}

void SqliteInsertCoalescer::Complete(const std::shared_ptr<Group>& group, const Status& batch) {
  // The operation may never have run (BEGIN IMMEDIATE failed, the writer was closing), so the
  // group can still be open: close it here too, or every later Add() would join a group that
  // nobody will ever answer.
  Close(group);
  if (batch.ok()) observability::metrics::RecordCommitBatchSize(group->size());
  for (const auto& call : *group) {
    if (!batch.ok()) {
      call->done(batch);
    } else if (call->out.has_value()) {
      call->done(std::move(*call->out));
    } else {
      call->done(Status::Internal("merged insert finished without an outcome"));
    }
  }
}

}  // namespace conveyor
