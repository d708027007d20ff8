// Store::JobPrune's steps, which SQLite and PostgreSQL share: check the parameters, read the next
// page of candidates, choose by store_retention.h's rules, delete the chosen in one statement.
// Each store gives only its two statements:
//   read(p)     -> Result<std::vector<PruneCandidate>>   the page after p.after_seq, seq order
//   remove(seqs) -> Status                               deletes the jobs of a JSON array of seqs
#pragma once

#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_retention.h"

namespace conveyor::store_ops {

template <class Read, class Remove>
Result<JobPruneOutcome> JobPrune(const JobPruneParams& p, Read read, Remove remove) {
  if (Status s = CheckPruneParams(p); !s.ok()) return s;
  JobPruneOutcome out;
  if (KeepsEverything(p)) return out;
  Result<std::vector<PruneCandidate>> rows = read(p);
  if (!rows.ok()) return rows.status();
  const PruneChoice choice = ChoosePrunable(*rows, p);
  out.next_after_seq = choice.next_after_seq;
  if (choice.chosen.empty()) return out;
  if (Status s = remove(EncodeChosenSeqs(*rows, choice.chosen)); !s.ok()) return s;
  for (size_t i : choice.chosen) out.pruned.push_back({(*rows)[i].id, (*rows)[i].finished_at});
  return out;
}

}  // namespace conveyor::store_ops
