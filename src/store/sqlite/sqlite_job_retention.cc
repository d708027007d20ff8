// Retention on SQLite: one writer operation reads the next page of a finished state's jobs
// (jobs_state) and deletes those store_retention.h chooses; the cascade takes what hangs off
// them. Under the one writer nothing changes between the read and the delete.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"

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
  if (Status s = CheckPruneParams(p); !s.ok()) return s;
  JobPruneOutcome out;
  if (KeepsEverything(p)) return out;
  Result<std::vector<PruneCandidate>> rows = ReadCandidates(c, p);
  if (!rows.ok()) return rows.status();
  const PruneChoice choice = ChoosePrunable(*rows, p);
  out.next_after_seq = choice.next_after_seq;
  if (choice.chosen.empty()) return out;
  auto st = c.Prepare(q::kPruneDelete);
  if (!st.ok()) return st.status();
  const std::string seqs = EncodeChosenSeqs(*rows, choice.chosen);
  st->BindText(1, seqs);
  if (Status s = st->Run(); !s.ok()) return s;
  for (size_t i : choice.chosen) out.pruned.push_back({(*rows)[i].id, (*rows)[i].finished_at});
  return out;
}

}  // namespace conveyor
