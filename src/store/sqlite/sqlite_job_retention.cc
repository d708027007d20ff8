// Retention on SQLite: one writer operation reads the next page of a finished state's jobs
// (jobs_state) and deletes those store_retention.h chooses; the cascade takes what hangs off
// them. Under the one writer nothing changes between the read and the delete.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_prune.h"

namespace conveyor {
namespace q = sqlite_queries;
namespace {

Result<std::vector<PruneCandidate>> ReadCandidates(SqliteConnection& c, const JobPruneParams& p) {
  auto st = c.Prepare(q::kPruneCandidates);
  if (!st.ok()) return st.status();
  const std::string state(ToString(p.state));
  st->BindText(1, state);
  st->BindInt(2, p.after_seq);
  st->BindInt(3, p.limit);
  std::vector<PruneCandidate> rows;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    rows.push_back({.seq = row.Int(0),
                    .id = row.Text(1),
                    .queue = row.Text(2),
                    .created_at = row.Int(3),
                    .finished_at = row.Int(4),
                    .holds_key = row.Int(5) != 0});
  });
  if (!s.ok()) return s;
  return rows;
}

}  // namespace

Result<JobPruneOutcome> sqlite_ops::JobPrune(SqliteConnection& c, const JobPruneParams& p) {
  return store_ops::JobPrune(
      p, [&c](const JobPruneParams& page) { return ReadCandidates(c, page); },
      [&c](const std::string& seqs) -> Status {
        auto st = c.Prepare(q::kPruneDelete);
        if (!st.ok()) return st.status();
        st->BindText(1, seqs);
        return st->Run();
      });
}

}  // namespace conveyor
