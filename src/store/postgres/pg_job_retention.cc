// Retention on PostgreSQL: one transaction locks the next page of a finished state's jobs
// (jobs_state, SKIP LOCKED) and deletes those store_retention.h chooses; the cascade takes what
// hangs off them. Two leaders never overlap (leadership), and the locks keep a concurrent retry
// from being deleted under it.
#include <string>
#include <vector>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_prune.h"

namespace conveyor {
namespace q = pg_queries;
namespace {

Result<std::vector<PruneCandidate>> ReadCandidates(PgConnection& c, const JobPruneParams& p) {
  auto r = c.Exec(q::kPruneCandidates,
                  {std::string(ToString(p.state)), PgInt(p.after_seq), PgInt(p.limit)});
  if (!r.ok()) return r.status();
  std::vector<PruneCandidate> rows;
  rows.reserve(r->rows());
  for (int i = 0; i < r->rows(); ++i) {
    rows.push_back({.seq = r->Int(i, 0),
                    .id = r->Text(i, 1),
                    .queue = r->Text(i, 2),
                    .created_at = r->Int(i, 3),
                    .finished_at = r->Int(i, 4),
                    .holds_key = r->Int(i, 5) != 0});
  }
  return rows;
}

}  // namespace

Result<JobPruneOutcome> pg_ops::JobPrune(PgConnection& c, const JobPruneParams& p) {
  return store_ops::JobPrune(
      p, [&c](const JobPruneParams& page) { return ReadCandidates(c, page); },
      [&c](const std::string& seqs) -> Status { return c.Exec(q::kPruneDelete, {seqs}).status(); });
}

}  // namespace conveyor
