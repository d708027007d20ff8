// The dependency statements of SqliteJobStatements (store_dependencies.h has their contract and
// the logic). SQLite's one writer already excludes every other write: nothing to lock.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_dependency_queries.h"
#include "store/sqlite/sqlite_job_statements.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = sqlite_dependency_queries;
namespace {

// The columns a dependent's transition returns: seq, id, state, attempt, webhook_url.
JobRow ReadDependentRow(const SqliteStatement& row) {
  JobRow out;
  out.seq = row.Int(0);
  out.job.id = row.Text(1);
  out.job.state = ParseJobState(row.Text(2)).value_or(JobState::kPending);
  out.job.attempt = static_cast<int>(row.Int(3));
  if (!row.IsNull(4)) out.job.webhook_url = row.Text(4);
  return out;
}

}  // namespace

Result<std::vector<DependencyTarget>> SqliteJobStatements::DependencyMark(
    const std::vector<std::string>& ids) {
  const std::string encoded = EncodeJsonStringArray(ids);
  auto st = c_.Prepare(q::kMark);
  if (!st.ok()) return st.status();
  st->BindText(1, encoded);
  std::vector<DependencyTarget> found;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    found.push_back({.seq = row.Int(0),
                     .id = row.Text(1),
                     .state = ParseJobState(row.Text(2)).value_or(JobState::kPending),
                     .tenant = row.Text(3)});
  });
  if (!s.ok()) return s;
  return found;
}

Status SqliteJobStatements::DependencyEdgesInsert(const std::string& edges) {
  auto st = c_.Prepare(q::kEdgesInsert);
  if (!st.ok()) return st.status();
  st->BindText(1, edges);
  return st->Run();
}

Result<std::vector<DependencyEdge>> SqliteJobStatements::DependentsBlockedOn(
    const std::string& seqs) {
  auto st = c_.Prepare(q::kBlockedOn);
  if (!st.ok()) return st.status();
  st->BindText(1, seqs);
  std::vector<DependencyEdge> edges;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    edges.push_back({.job_seq = row.Int(0), .depends_on_seq = row.Int(1)});
  });
  if (!s.ok()) return s;
  return edges;
}

template <class Bind>
Result<std::optional<JobRow>> SqliteJobStatements::DependentUpdate(std::string_view sql,
                                                                   const Bind& bind) {
  auto st = c_.Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<JobRow>();
  JobRow out = ReadDependentRow(*st);
  if (Status rest = st->Run(); !rest.ok()) return rest;  // finish the statement
  return std::optional(std::move(out));
}

Result<std::optional<JobRow>> SqliteJobStatements::DependentRelease(int64_t seq, TimeMs now) {
  return DependentUpdate(q::kRelease, [&](SqliteStatement& st) {
    st.BindInt(1, seq);
    st.BindInt(2, now);
  });
}

Result<std::optional<JobRow>> SqliteJobStatements::DependentCancel(int64_t seq,
                                                                   std::string_view error,
                                                                   TimeMs now) {
  return DependentUpdate(q::kCancel, [&](SqliteStatement& st) {
    st.BindInt(1, seq);
    st.BindInt(2, now);
    st.BindText(3, error);
  });
}

}  // namespace conveyor
