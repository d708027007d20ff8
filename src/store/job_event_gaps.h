// JobEventGaps: which of the job events read after a cursor may be handed out now without ever
// skipping one that is still on its way. PostgreSQL takes a job_events seq at INSERT, not at
// COMMIT, so seq 105 may be visible while 104's transaction is still open; delivering 105 and
// moving the cursor past 104 would lose 104 for good. So rows are handed out only up to the
// first gap, unless the gap is older than give_up_ms: a seq below the highest seq seen
// give_up_ms ago was taken at least that long ago, so its transaction rolled back (or the row
// was pruned) and it will not appear. SQLite numbers rows under its one writer and has no such
// gaps beyond pruned history. It lives with the store because the numbering it guards is the
// store's (store.h, JobEventsAfter).
//
// Thread-compatible: one instance per cursor, used by one thread. "Now" is passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/job.h"
#include "store/job_event_rows.h"

namespace conveyor {

class JobEventGaps {
 public:
  static constexpr TimeMs kDefaultGiveUpMs = 2000;
  explicit JobEventGaps(TimeMs give_up_ms = kDefaultGiveUpMs) : give_up_ms_(give_up_ms) {}

  // `rows`: what JobEventsAfter(after_seq, …) returned, oldest first. Returns how many leading
  // rows may be delivered now; the caller moves its cursor to the last of them.
  size_t Deliverable(int64_t after_seq, const std::vector<JobEventRow>& rows, TimeMs now);

 private:
  // The highest seq seen at or before now - give_up_ms: every seq up to it is settled.
  int64_t Settled(TimeMs now);

  TimeMs give_up_ms_;
  // (when, highest seq seen then), both increasing; the front is the newest settled one.
  std::deque<std::pair<TimeMs, int64_t>> seen_;
};

}  // namespace conveyor
