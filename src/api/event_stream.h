// EventStream: one GET /events answer (api/events_resource.h) — a StreamingBody that drains an
// EventFeed subscription (runtime/events/event_feed.h) and writes Server-Sent Events:
//
//   id: <seq>\nevent: job\ndata: {"seq",…}\n\n        a transition (resumable by its id)
//   event: progress\ndata: {"job_id",…}\n\n           a running job's progress (no id)
//   event: overflow\ndata: {"detail",…}\n\n           the client fell behind; the stream ends
//   : keep-alive\n\n                                  after 15 s without a write
//
// The feed thread wakes it by posting to the session's strand; it never blocks an io thread.
// Thread-safety: constructed, run and stopped on the session's strand; the wake-up it gives the
// feed may run on any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/streaming_body.h"
#include "runtime/events/event_feed.h"

namespace conveyor::api {

inline constexpr std::chrono::seconds kKeepAliveEvery{15};

// Appends one event's SSE lines to `out`.
void AppendSseEvent(const FeedEvent& event, std::string* out);
// The same as a new string: the feed's encoder (EventFeedOptions::encode), so an event is
// formatted once for all its subscribers.
std::string EncodeSseEvent(const FeedEvent& event);

class EventStream final : public StreamingBody {
 public:
  // Subscribes to `feed` with `params` (its `wake` is set here); the subscription's errors
  // (limits, a stopped feed) come back from Open.
  static Result<std::shared_ptr<EventStream>> Open(EventFeed& feed, SubscribeParams params,
                                                   boost::asio::any_io_executor strand);
  EventStream(EventFeed& feed, boost::asio::any_io_executor strand);
  ~EventStream() override;

  boost::asio::awaitable<void> Run(Write write) override;
  void Stop() override;

 private:
  // The timer the stream waits on; the feed's wake-up cancels it through a weak pointer, so a
  // wake-up that arrives after the stream ended touches nothing.
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    // A wake-up arrived (on the strand) since Run last looked: one that came while Run was
    // writing found no wait to cancel, and must not be lost.
    bool woken = false;
  };

  EventFeed& feed_;
  boost::asio::any_io_executor strand_;
  std::shared_ptr<Waiter> waiter_;
  std::shared_ptr<EventSubscription> subscription_;
  int64_t last_seq_ = -1;  // the last transition written (-1: none)
  bool stopped_ = false;
};

}  // namespace conveyor::api
