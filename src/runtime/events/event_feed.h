// EventFeed: the node's one reader of the store's job_events table for live subscribers
// (GET /api/v1/events, api/events_resource.h). The table is the source of truth: every
// transition on every node appends a row in its own transaction, so a subscriber sees the whole
// cluster's jobs and resumes exactly after the last seq it got, even across a restart.
//
// One background thread tails the store, and only while someone is subscribed: when poked (a
// local transition, Poke()) and at least every `tick` (other nodes' transitions on PostgreSQL).
// Each round reads JobEventsAfter(cursor, page), hands rows out only up to the first gap that
// may still fill (store/job_event_gaps.h), and queues each to the subscribers whose filter it
// matches; a subscriber that asked to resume from an older seq is caught up from its own cursor
// first, a page per round. At most once per tick a round also reads the RUNNING jobs' progress
// and queues what changed as progress events (not resumable: the newest arrives next tick). A slow
// subscriber never blocks the feed: its bounded queue overflows instead (event_subscription.h).
// The io threads never wait on the store: only this thread reads it.
//
// Lifecycle: Start() starts the thread; Stop() ends every subscription and joins; both are safe
// twice, and Stop() before Start(). Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "runtime/events/event_subscription.h"
#include "store/job_event_gaps.h"
#include "store/store.h"

namespace conveyor {

struct EventFeedOptions {
  size_t max_subscribers = 256;           // per node; Unavailable past it
  size_t max_subscribers_per_owner = 16;  // per API key; ResourceExhausted past it
  size_t queue_capacity = 10000;          // events queued per subscriber before it overflows
  std::chrono::milliseconds tick{200};    // the longest wait between two reads
  // The shortest gap between two rounds a poke may start: under load every transition pokes,
  // and a round per poke read the store hundreds of times a second for a few rows each (two
  // subscribers cost a third of the node's submit rate). A full page is read on at once.
  std::chrono::milliseconds min_round_gap{25};
  int page = 500;                         // events read per round (and per catch-up)
  int progress_limit = 500;               // RUNNING jobs read per tick for progress
  TimeMs give_up_ms = JobEventGaps::kDefaultGiveUpMs;
  // Turns an event into what subscribers send (the api layer's SSE text), once per event
  // however many subscribers it matches; unset: subscribers encode it themselves.
  std::function<std::string(const FeedEvent&)> encode;
};

struct SubscribeParams {
  EventFilter filter;
  // Resume after this seq (Last-Event-ID, ?since=); nullopt: from now on.
  std::optional<int64_t> after_seq;
  // Who subscribes (an API key id) for the per-owner limit; "" (no authentication): no limit.
  std::string owner;
  // Called when events are queued or the subscription ends; see event_subscription.h.
  std::function<void()> wake;
};

class EventFeed {
 public:
  EventFeed(Store& store, const Clock& clock, EventFeedOptions options = {});
  ~EventFeed();
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  void Start();
  void Stop();

  // Unavailable when the node has max_subscribers or the feed is not running;
  // ResourceExhausted when `owner` has max_subscribers_per_owner.
  Result<std::shared_ptr<EventSubscription>> Subscribe(SubscribeParams p);
  // After it returns the subscription is never woken again. Safe twice.
  void Unsubscribe(const std::shared_ptr<EventSubscription>& s);
  // A local transition happened: read now rather than at the next tick.
  void Poke();
  size_t subscribers();

 private:
  void Loop();
  // One round: the new events, each subscriber's catch-up, the progress.
  void Round(const std::vector<std::shared_ptr<EventSubscription>>& subs);
  // Reads the events after the shared cursor; returns those that may be handed out.
  std::vector<JobEventRow> ReadLive();
  // Catches `s` up towards `upto` from its own cursor; true when it reached it.
  bool CatchUp(EventSubscription& s, int64_t upto);
  // Queues each row after a subscriber's cursor to every subscriber whose filter it matches,
  // as one shared event (the live rows to every placed subscriber; a catch-up's to its own).
  void Deliver(const std::vector<EventSubscription*>& subs,
                   const std::vector<JobEventRow>& rows);
  SharedEvent Make(FeedEvent e) const;
  void SendProgress(const std::vector<std::shared_ptr<EventSubscription>>& subs);
  // Logs a failed read, once until a live read succeeds again.
  void ReadFailed(const char* what, const Status& s);

  Store& store_;
  const Clock& clock_;
  const EventFeedOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<EventSubscription>> subs_;  // REQUIRES: mu_ held (and below)
  bool poked_ = false;
  bool running_ = false;
  // Poke's lock-free checks: someone is subscribed (written under mu_), a wake-up is on its way.
  std::atomic<bool> listening_{false};
  std::atomic<bool> poke_pending_{false};
  bool stopping_ = false;
  std::thread thread_;

  // The feed thread's own state.
  std::optional<int64_t> live_;  // the shared cursor; reset while nobody is subscribed
  JobEventGaps gaps_;
  bool behind_ = false;  // a page came back full or a subscriber is still catching up
  std::chrono::steady_clock::time_point last_round_{};
  std::chrono::steady_clock::time_point last_progress_{};
  bool read_failing_ = false;
  // Per RUNNING job, the progress last sent: (progress, message, step).
  std::unordered_map<std::string, std::string> progress_sent_;
};

}  // namespace conveyor
