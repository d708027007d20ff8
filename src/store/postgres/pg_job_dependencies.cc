// The dependency statements of PgJobStatements (store_dependencies.h has their contract and the
// logic; pg_dependency_queries.h what each statement locks).
#include <string>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_dependency_queries.h"
#include "store/postgres/pg_job_statements.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = pg_dependency_queries;
namespace {

JobState StateOf(const std::string& text) {
  return ParseJobState(text).value_or(JobState::kPending);
}

// The columns a dependent's transition returns: seq, id, state, attempt, webhook_url; nullopt
// when the guarded update matched nothing.
Result<std::optional<JobRow>> DependentUpdate(PgConnection& c, const char* sql,
                                              const PgParams& params) {
  auto r = c.Exec(sql, params);
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<JobRow>();
  JobRow out;
  out.seq = r->Int(0, 0);
  out.job.id = r->Text(0, 1);
  out.job.state = StateOf(r->Text(0, 2));
  out.job.attempt = static_cast<int>(r->Int(0, 3));
  out.job.webhook_url = r->OptText(0, 4);
  return std::optional(std::move(out));
}

}  // namespace

Result<std::vector<DependencyTarget>> PgJobStatements::DependencyMark(
    const std::vector<std::string>& ids) {
  auto r = c_.Exec(q::kMark, {EncodeJsonStringArray(ids)});
  if (!r.ok()) return r.status();
  std::vector<DependencyTarget> found;
  for (int i = 0; i < r->rows(); ++i) {
    found.push_back({.seq = r->Int(i, 0),
                     .id = r->Text(i, 1),
                     .state = StateOf(r->Text(i, 2)),
                     .tenant = r->Text(i, 3)});
  }
  return found;
}

Status PgJobStatements::DependencyEdgesInsert(const std::string& edges) {
  auto r = c_.Exec(q::kEdgesInsert, {edges});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<DependencyEdge>> PgJobStatements::DependentsBlockedOn(const std::string& seqs) {
  auto r = c_.Exec(q::kBlockedOn, {seqs});
  if (!r.ok()) return r.status();
  std::vector<DependencyEdge> edges;
  for (int i = 0; i < r->rows(); ++i) {
    edges.push_back({.job_seq = r->Int(i, 0), .depends_on_seq = r->Int(i, 1)});
  }
  return edges;
}

Result<std::optional<JobRow>> PgJobStatements::DependentRelease(int64_t seq, TimeMs now) {
  return DependentUpdate(c_, q::kRelease, {PgInt(seq), PgInt(now)});
}

Result<std::optional<JobRow>> PgJobStatements::DependentCancel(int64_t seq, std::string_view error,
                                                               TimeMs now) {
  return DependentUpdate(c_, q::kCancel, {PgInt(seq), PgInt(now), std::string(error)});
}

}  // namespace conveyor
