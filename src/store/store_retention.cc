#include "store/store_retention.h"

#include <string>

namespace conveyor {

Status CheckPruneParams(const JobPruneParams& p) {
  if (!IsTerminal(p.state)) {
    return Status::InvalidArgument("prune: " + std::string(ToString(p.state)) +
                                   " is not a finished state");
  }
  if (p.limit < 1 || p.limit > kMaxPruneLimit) {
    return Status::InvalidArgument("prune: limit must be 1.." + std::to_string(kMaxPruneLimit));
  }
  return Status::Ok();
}

namespace {

// The shortest age in force (0 when every one is 0: nothing is ever pruned).
TimeMs ShortestAge(const JobPruneParams& p) {
  TimeMs shortest = p.age_ms;
  for (const auto& [queue, age] : p.queue_age_ms) {
    if (age > 0 && (shortest == 0 || age < shortest)) shortest = age;
  }
  return shortest;
}

TimeMs AgeOf(const JobPruneParams& p, const std::string& queue) {
  const auto it = p.queue_age_ms.find(queue);
  return it == p.queue_age_ms.end() ? p.age_ms : it->second;
}

bool KeyAllowsPrune(const PruneCandidate& row, const JobPruneParams& p) {
  if (!row.holds_key) return true;
  return p.key_window_ms > 0 && row.created_at <= p.now - p.key_window_ms;
}

}  // namespace

bool KeepsEverything(const JobPruneParams& p) { return ShortestAge(p) == 0; }

PruneChoice ChoosePrunable(const std::vector<PruneCandidate>& rows, const JobPruneParams& p) {
  PruneChoice choice;
  const TimeMs shortest = ShortestAge(p);
  if (shortest == 0) return choice;
  const TimeMs youngest_cutoff = p.now - shortest;
  for (size_t i = 0; i < rows.size(); ++i) {
    const PruneCandidate& row = rows[i];
    // Created after every cutoff: finished later still, and so is every job after it. Should
    // the clock have stepped back between two inserts, a later seq may be older: it is then
    // pruned late (once this one is due), never early.
    if (row.created_at > youngest_cutoff) return choice;
    const TimeMs age = AgeOf(p, row.queue);
    if (age > 0 && row.finished_at <= p.now - age && KeyAllowsPrune(row, p)) {
      choice.chosen.push_back(i);
    }
  }
  // A full page may have more behind it; a short one reached the end of the state.
  if (static_cast<int>(rows.size()) >= p.limit && !rows.empty()) {
    choice.next_after_seq = rows.back().seq;
  }
  return choice;
}

std::string EncodeChosenSeqs(const std::vector<PruneCandidate>& rows,
                             const std::vector<size_t>& chosen) {
  std::string out = "[";
  for (size_t i : chosen) {
    if (out.size() > 1) out += ",";
    out += std::to_string(rows[i].seq);
  }
  return out + "]";
}

}  // namespace conveyor
