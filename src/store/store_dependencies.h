// Job dependencies (depends_on; docs/scheduling.md) on every backend, written once
// as templates over `Db` like store_job_ops.h. A submitted job whose dependencies have not all
// SUCCEEDED starts BLOCKED, with one job_dependencies row per dependency. In the transaction
// that moves a job to a terminal state, its BLOCKED dependents follow: to PENDING (SCHEDULED
// while run_at is ahead) once every dependency SUCCEEDED, to CANCELLED as soon as one FAILED,
// was CANCELLED or EXPIRED — and a cancelled dependent's own dependents after it, level by level
// down the chain (each job leaves BLOCKED once, so the walk ends).
//
// `Db` offers, besides what store_job_ops.h lists (JobLoad, JobEventAppend, DeliveryEnqueue,
// JobsClaimable):
//   Result<std::vector<DependencyTarget>> DependencyMark(const std::vector<std::string>& ids);
//       the stored jobs with these ids (absent ones left out) with their tenant, each now
//       has_dependents (undone with the insert when one is refused as another tenant's); on
//       PostgreSQL row-locked, so a completion of one waits for this submit and then sees the
//       mark (and the submit sees a completion that committed first).
//   Status DependencyEdgesInsert(const std::string& edges);   EncodeDependencyEdges' JSON
//   Result<std::vector<DependencyEdge>> DependentsBlockedOn(const std::string& seqs);
//       edges whose job is BLOCKED and whose dependency is one of `seqs`, by job_seq; on
//       PostgreSQL the dependents are locked (in seq order), so two transactions finishing two
//       dependencies of one job take turns and the second sees the first's outcome.
//   Result<std::optional<JobRow>> DependentRelease(int64_t seq, TimeMs now);
//       BLOCKED with every dependency SUCCEEDED → PENDING | SCHEDULED; nullopt otherwise
//   Result<std::optional<JobRow>> DependentCancel(int64_t seq, std::string_view error, TimeMs now);
//       BLOCKED → CANCELLED with that error; nullopt when no longer BLOCKED
// Thread-safety: that of `Db`.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/store.h"
#include "store/store_dependency_rules.h"
#include "store/store_job_rules.h"

namespace conveyor::store_deps {

template <class Db>
Status ReleaseDependent(Db& db, int64_t seq, TimeMs now) {
  Result<std::optional<JobRow>> row = db.DependentRelease(seq, now);
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();  // another dependency has not succeeded yet
  const Job& job = (*row)->job;
  Status e = db.JobEventAppend(seq, now, JobState::kBlocked, job.state, job.attempt,
                               kDependenciesSucceeded);
  if (!e.ok()) return e;
  db.JobsClaimable();
  NoteDependentReleased();
  return Status::Ok();
}

template <class Db>
Status CancelDependent(Db& db, int64_t seq, const FinishedJob& dependency, TimeMs now,
                       std::vector<FinishedJob>& cancelled) {
  const std::string why = DependencyFailure(dependency.id, dependency.state);
  Result<std::optional<JobRow>> row = db.DependentCancel(seq, why, now);
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();
  JobRow& r = **row;
  Status e =
      db.JobEventAppend(seq, now, JobState::kBlocked, JobState::kCancelled, r.job.attempt, why);
  if (!e.ok()) return e;
  if (Status d = db.DeliveryEnqueue(r, JobState::kCancelled, now); !d.ok()) return d;
  cancelled.push_back({.seq = seq, .id = r.job.id, .state = JobState::kCancelled});
  return Status::Ok();
}

// One level: the BLOCKED dependents of `finished`. Returns those it cancelled (the next level).
template <class Db>
Result<std::vector<FinishedJob>> SettleLevel(Db& db, const std::vector<FinishedJob>& finished,
                                             TimeMs now) {
  Result<std::vector<DependencyEdge>> edges = db.DependentsBlockedOn(EncodeFinishedSeqs(finished));
  if (!edges.ok()) return edges.status();
  std::unordered_map<int64_t, const FinishedJob*> by_seq;
  for (const FinishedJob& f : finished) by_seq.emplace(f.seq, &f);
  std::vector<FinishedJob> cancelled;
  for (size_t i = 0, end = 0; i < edges->size(); i = end) {
    const int64_t dependent = (*edges)[i].job_seq;
    const FinishedJob* failed = nullptr;
    for (end = i; end < edges->size() && (*edges)[end].job_seq == dependent; ++end) {
      const FinishedJob* dep = by_seq.at((*edges)[end].depends_on_seq);
      if (failed == nullptr && dep->state != JobState::kSucceeded) failed = dep;
    }
    Status s = failed != nullptr ? CancelDependent(db, dependent, *failed, now, cancelled)
                                 : ReleaseDependent(db, dependent, now);
    if (!s.ok()) return s;
  }
  return cancelled;
}

// The dependents of jobs that reached a terminal state in this transaction follow them, down
// the chain. REQUIRES: every job in `finished` is terminal (SUCCEEDED, FAILED, CANCELLED,
// EXPIRED) in this transaction.
template <class Db>
Status SettleDependents(Db& db, std::vector<FinishedJob> finished, TimeMs now) {
  while (!finished.empty()) {
    Result<std::vector<FinishedJob>> next = SettleLevel(db, finished, now);
    if (!next.ok()) return next.status();
    finished = std::move(*next);
  }
  return Status::Ok();
}

// The dependency side of an insert, before the rows go in: copies the new jobs (rebinding
// `fresh` and `out` to the copies), resolves their dependencies against the batch and the
// store, and sets each one's starting state. `copies` must outlive the insert.
template <class Db>
Status DependenciesPrepare(Db& db, const std::vector<Job>& batch, std::vector<const Job*>& fresh,
                           std::vector<InsertOutcome>& out, std::vector<Job>& copies, TimeMs now) {
  std::unordered_map<std::string, std::string> replayed;  // a replayed item's id → original's
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!out[i].is_new && out[i].job.id != batch[i].id) replayed[batch[i].id] = out[i].job.id;
  }
  std::vector<size_t> where;
  for (const Job* j : fresh) {
    copies.push_back(*j);
    where.push_back(static_cast<size_t>(j - batch.data()));
  }
  Result<BatchDependencies> deps =
      ResolveBatchDependencies(copies, where, batch.size() > 1, replayed);
  if (!deps.ok()) return deps.status();
  std::unordered_map<std::string, DependencyInfo> stored;
  if (!deps->external_ids.empty()) {
    Result<std::vector<DependencyTarget>> found = db.DependencyMark(deps->external_ids);
    if (!found.ok()) return found.status();
    for (DependencyTarget& t : *found) {
      stored.emplace(t.id, DependencyInfo{.state = t.state, .tenant = std::move(t.tenant)});
    }
  }
  Status s = ApplyDependencyStates(copies, *deps, where, batch.size() > 1, stored, now);
  if (!s.ok()) return s;
  std::unordered_map<std::string_view, const Job*> by_id;
  for (size_t k = 0; k < copies.size(); ++k) {
    fresh[k] = &copies[k];
    by_id.emplace(copies[k].id, &copies[k]);
  }
  for (InsertOutcome& o : out) {
    if (auto it = by_id.find(o.job.id); it != by_id.end()) o.job = *it->second;
  }
  return Status::Ok();
}

// After the rows went in: the edges, the mark on dependencies inside the batch, and the
// job.cancelled delivery of a job cancelled at submit (its dependency had already failed).
template <class Db>
Status DependenciesRecord(Db& db, const std::vector<Job>& copies, TimeMs now) {
  if (Status s = db.DependencyEdgesInsert(EncodeDependencyEdges(copies)); !s.ok()) return s;
  std::vector<std::string> inside;
  for (const Job& j : copies) {
    for (const std::string& d : j.depends_on) inside.push_back(d);
  }
  // Marks the external ones again too: harmless, and one statement.
  if (!inside.empty()) {
    if (auto marked = db.DependencyMark(inside); !marked.ok()) return marked.status();
  }
  for (const Job& j : copies) {
    if (j.state != JobState::kCancelled || !j.webhook_url) continue;
    // {}: store_ops::JobLock::kNone (store_job_ops.h includes this file, not the other way).
    Result<JobRow> row = db.JobLoad(j.id, {});
    if (!row.ok()) return row.status();
    if (Status d = db.DeliveryEnqueue(*row, JobState::kCancelled, now); !d.ok()) return d;
  }
  return Status::Ok();
}

}  // namespace conveyor::store_deps
