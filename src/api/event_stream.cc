#include "api/event_stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "api/json_writer.h"
#include "core/job_state.h"

namespace conveyor::api {
namespace {

namespace asio = boost::asio;

void AppendTransition(const JobEventRow& r, std::string* out) {
  out->append("id: ").append(std::to_string(r.seq)).append("\nevent: job\ndata: ");
  JsonWriter w(out);
  w.BeginObject()
      .Key("seq").Int(r.seq)
      .Key("at").Time(r.event.at)
      .Key("job_id").String(r.job_id)
      .Key("type").String(r.type)
      .Key("queue").String(r.queue)
      .Key("from");
  if (r.event.from) {
    w.String(ToString(*r.event.from));
  } else {
    w.Null();
  }
  w.Key("to").String(ToString(r.event.to))
      .Key("attempt").Int(r.event.attempt)
      .Key("message").String(r.event.message)
      .Key("correlation_id").OptString(r.correlation_id);
  if (!r.tenant.empty()) w.Key("tenant").String(r.tenant);
  w.EndObject();
  out->append("\n\n");
}

void AppendProgress(const JobProgressRow& p, std::string* out) {
  out->append("event: progress\ndata: ");
  JsonWriter w(out);
  w.BeginObject()
      .Key("job_id").String(p.job_id)
      .Key("progress").Number(p.progress)
      .Key("message").OptString(p.message)
      .Key("step").OptString(p.current_step)
      .EndObject();
  out->append("\n\n");
}

std::string OverflowEvent(int64_t last_seq) {
  std::string out = "event: overflow\ndata: ";
  JsonWriter w(&out);
  w.BeginObject().Key("detail").String(
      "this client fell behind the event stream and was disconnected; reconnect with "
      "Last-Event-ID (the last id received) to resume");
  w.Key("last_seq");
  if (last_seq >= 0) {
    w.Int(last_seq);
  } else {
    w.Null();
  }
  w.EndObject();
  out.append("\n\n");
  return out;
}

}  // namespace

void AppendSseEvent(const FeedEvent& event, std::string* out) {
  if (const auto* t = std::get_if<JobEventRow>(&event)) return AppendTransition(*t, out);
  AppendProgress(std::get<JobProgressRow>(event), out);
}

std::string EncodeSseEvent(const FeedEvent& event) {
  std::string text;
  AppendSseEvent(event, &text);
  return text;
}

Result<std::shared_ptr<EventStream>> EventStream::Open(EventFeed& feed, SubscribeParams params,
                                                       asio::any_io_executor strand) {
  auto stream = std::make_shared<EventStream>(feed, strand);
  params.wake = [waiter = std::weak_ptr<Waiter>(stream->waiter_), strand] {
    asio::post(strand, [waiter] {
      if (auto w = waiter.lock()) {
        w->woken = true;
        w->timer.cancel();
      }
    });
  };
  Result<std::shared_ptr<EventSubscription>> sub = feed.Subscribe(std::move(params));
  if (!sub.ok()) return sub.status();
  stream->subscription_ = std::move(*sub);
  return stream;
}

EventStream::EventStream(EventFeed& feed, asio::any_io_executor strand)
    : feed_(feed), strand_(strand), waiter_(std::make_shared<Waiter>(strand)) {}

EventStream::~EventStream() {
  if (subscription_) feed_.Unsubscribe(subscription_);
}

asio::awaitable<void> EventStream::Run(Write write) {
  // The browser's EventSource reconnects after `retry` ms, sending Last-Event-ID.
  if (!co_await write("retry: 2000\n\n")) co_return;
  auto last_write = std::chrono::steady_clock::now();
  std::string text;
  while (!stopped_) {
    waiter_->woken = false;
    EventSubscription::Batch batch = subscription_->Take();
    text.clear();
    for (const SharedEvent& e : batch.events) {
      if (e->text.empty()) {
        AppendSseEvent(e->event, &text);
      } else {
        text += e->text;
      }
      if (const auto* t = std::get_if<JobEventRow>(&e->event)) last_seq_ = t->seq;
    }
    if (batch.overflowed) text += OverflowEvent(last_seq_);
    if (text.empty() && std::chrono::steady_clock::now() - last_write >= kKeepAliveEvery) {
      text = ": keep-alive\n\n";
    }
    if (!text.empty()) {
      if (!co_await write(text)) break;
      last_write = std::chrono::steady_clock::now();
    }
    if (batch.overflowed || batch.ended || stopped_) break;
    // The write above suspended Run: a wake-up that ran meanwhile cancelled no wait (the
    // subscription wakes once per Take, so it would not come again, and the queue would fill to
    // overflow in front of a client reading as fast as it could). It said so in `woken`.
    if (waiter_->woken) continue;
    waiter_->timer.expires_at(last_write + kKeepAliveEvery);
    co_await waiter_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  feed_.Unsubscribe(subscription_);
}

void EventStream::Stop() {
  stopped_ = true;
  waiter_->timer.cancel();
}

}  // namespace conveyor::api
