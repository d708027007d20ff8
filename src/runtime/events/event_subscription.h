// EventSubscription: one live-event subscriber's side of the EventFeed (event_feed.h) — what it
// wants (EventFilter), and a bounded queue the feed thread fills and the subscriber drains. A
// subscriber that falls behind is not waited for: past `capacity` queued events the queue stops
// taking any and says it overflowed; the subscriber then ends its stream and the client resumes
// from the last seq it got.
//
// Thread-safety: Take() and the feed's Push()/End() may run on different threads (one mutex).
// `wake` is called with that mutex held, from the feed thread: it must only hand the news on
// (post to an executor), never block or call back into the subscription.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/job_event_rows.h"

namespace conveyor {

// Which jobs' events a subscriber gets. Each list empty: any; otherwise the job's value must be
// one of the list's.
struct EventFilter {
  std::vector<std::string> job_ids;
  std::vector<std::string> types;
  std::vector<std::string> queues;
  std::optional<std::string> tenant;  // a tenant's key: only its jobs

  bool Matches(std::string_view job_id, std::string_view type, std::string_view queue,
               std::string_view tenant) const;
};

// A transition (resumable by its seq) or a running job's progress (not resumable).
using FeedEvent = std::variant<JobEventRow, JobProgressRow>;

// One event as queued: shared by every subscriber it matched, and encoded once, on the feed
// thread, by the feed's encoder (the SSE text), not once per subscriber on the io threads.
struct QueuedEvent {
  FeedEvent event;
  std::string text;  // EventFeedOptions::encode(event); empty when the feed has no encoder
};
using SharedEvent = std::shared_ptr<const QueuedEvent>;

class EventSubscription {
 public:
  struct Batch {
    std::vector<SharedEvent> events;
    bool overflowed = false;  // events were dropped after these: end the stream
    bool ended = false;       // the feed stopped: end the stream
  };

  EventSubscription(EventFilter filter, std::optional<int64_t> after_seq, std::string owner,
                    size_t capacity, std::function<void()> wake);

  // Everything queued since the last Take, and whether the stream must end.
  Batch Take();

  // ---- The feed's side (event_feed.cc) ----
  const EventFilter& filter() const { return filter_; }
  const std::string& owner() const { return owner_; }
  // Queues one round's `events` under one lock (dropping those past capacity and marking the
  // overflow) and wakes the subscriber once.
  void Push(std::vector<SharedEvent> events);
  // Wakes the subscriber with `ended` set; nothing more is queued.
  void End();
  // Stops the wake-ups: after it returns, `wake` is never called again.
  void Detach();
  bool overflowed();

  // Feed thread only: the last seq this subscriber was given or passed over (nullopt: not yet
  // placed; the feed starts it at "now"), and whether it has had the running jobs' progress.
  std::optional<int64_t> cursor;
  bool has_progress = false;

 private:
  // REQUIRES: mu_ held.
  void WakeLocked();

  const EventFilter filter_;
  const std::string owner_;
  const size_t capacity_;
  std::mutex mu_;
  std::deque<SharedEvent> queue_;  // REQUIRES: mu_ held (all below too)
  bool overflowed_ = false;
  bool ended_ = false;
  bool woken_ = false;  // a wake is on its way and Take has not run since
  std::function<void()> wake_;
};

}  // namespace conveyor
