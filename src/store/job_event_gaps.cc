#include "store/job_event_gaps.h"

namespace conveyor {
namespace {

// A tick every 200 ms for 2 s keeps about ten; the cap only bounds a caller with no pause.
constexpr size_t kMaxSeen = 1024;

}  // namespace

size_t JobEventGaps::Deliverable(int64_t after_seq, const std::vector<JobEventRow>& rows,
                                 TimeMs now) {
  if (!rows.empty() && (seen_.empty() || rows.back().seq > seen_.back().second)) {
    if (seen_.size() == kMaxSeen) seen_.pop_front();
    seen_.emplace_back(now, rows.back().seq);
  }
  const int64_t settled = Settled(now);
  int64_t expected = after_seq + 1;
  size_t n = 0;
  for (const JobEventRow& row : rows) {
    if (row.seq != expected && row.seq > settled) break;
    expected = row.seq + 1;
    ++n;
  }
  return n;
}

int64_t JobEventGaps::Settled(TimeMs now) {
  while (seen_.size() > 1 && seen_[1].first <= now - give_up_ms_) seen_.pop_front();
  if (seen_.empty() || seen_.front().first > now - give_up_ms_) return 0;
  return seen_.front().second;
}

}  // namespace conveyor
