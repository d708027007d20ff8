#include "runtime/events/event_feed.h"

#include <algorithm>
#include <utility>

#include "observability/log.h"

namespace conveyor {
namespace {

// What makes one progress report differ from the last one sent.
std::string ProgressKey(const JobProgressRow& p) {
  return std::to_string(p.progress) + '\x1f' + p.message.value_or("") + '\x1f' +
         p.current_step.value_or("");
}

}  // namespace

EventFeed::EventFeed(Store& store, const Clock& clock, EventFeedOptions options)
    : store_(store), clock_(clock), options_(options), gaps_(options.give_up_ms) {}

EventFeed::~EventFeed() { Stop(); }

void EventFeed::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void EventFeed::Stop() {
  std::vector<std::shared_ptr<EventSubscription>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    subs.swap(subs_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& s : subs) s->End();
}

Result<std::shared_ptr<EventSubscription>> EventFeed::Subscribe(SubscribeParams p) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_ || stopping_) return Status::Unavailable("the event feed is not running");
  if (subs_.size() >= options_.max_subscribers) {
    return Status::Unavailable("this node already serves " +
                               std::to_string(options_.max_subscribers) +
                               " event streams; try another node or later");
  }
  if (!p.owner.empty()) {
    const auto mine = std::count_if(subs_.begin(), subs_.end(),
                                    [&](const auto& s) { return s->owner() == p.owner; });
    if (static_cast<size_t>(mine) >= options_.max_subscribers_per_owner) {
      return Status::ResourceExhausted("this key already has " +
                                       std::to_string(options_.max_subscribers_per_owner) +
                                       " event streams open on this node; close one first");
    }
  }
  auto s = std::make_shared<EventSubscription>(std::move(p.filter), p.after_seq, std::move(p.owner),
                                               options_.queue_capacity, std::move(p.wake));
  subs_.push_back(s);
  listening_.store(true, std::memory_order_relaxed);
  poked_ = true;
  wake_.notify_all();
  return s;
}

void EventFeed::Unsubscribe(const std::shared_ptr<EventSubscription>& s) {
  s->Detach();
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
  listening_.store(!subs_.empty(), std::memory_order_relaxed);
}

// Called after every local transition (tens of thousands a second under load): one relaxed
// load when nobody listens (the next subscriber reads from its own start), and at most one
// lock and wake-up per read of the store when someone does.
void EventFeed::Poke() {
  if (!listening_.load(std::memory_order_relaxed)) return;
  if (poke_pending_.exchange(true, std::memory_order_relaxed)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

size_t EventFeed::subscribers() {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_.size();
}

void EventFeed::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (subs_.empty()) {
      // Nobody listens: read nothing, and forget the cursor (a new subscriber starts at its now).
      live_.reset();
      progress_sent_.clear();
      wake_.wait(lock, [this] { return stopping_ || !subs_.empty(); });
      continue;
    }
    if (!behind_) {
      wake_.wait_for(lock, options_.tick, [this] { return stopping_ || poked_; });
      // A poke right after a round waits out the gap, so the events of many transitions are read
      // together (a stop still ends the wait).
      const auto earliest = last_round_ + options_.min_round_gap;
      if (!stopping_ && std::chrono::steady_clock::now() < earliest) {
        wake_.wait_until(lock, earliest, [this] { return stopping_; });
      }
    }
    if (stopping_) break;
    poked_ = false;
    // Cleared before the read: a transition committed from here on pokes (and reads) again.
    poke_pending_.store(false, std::memory_order_relaxed);
    const std::vector<std::shared_ptr<EventSubscription>> subs = subs_;
    lock.unlock();
    last_round_ = std::chrono::steady_clock::now();
    Round(subs);
    lock.lock();
  }
}

void EventFeed::Round(const std::vector<std::shared_ptr<EventSubscription>>& subs) {
  behind_ = false;
  if (!live_) {
    Result<int64_t> last = store_.JobEventsLastSeq();
    if (!last.ok()) return ReadFailed("last seq", last.status());
    live_ = *last;
    gaps_ = JobEventGaps(options_.give_up_ms);
  }
  const int64_t before = *live_;
  const std::vector<JobEventRow> rows = ReadLive();
  std::vector<EventSubscription*> placed;  // at `before`: the live rows are theirs
  for (const auto& s : subs) {
    if (s->overflowed()) continue;
    if (!s->cursor) s->cursor = before;  // "from now on": now is where the feed stood
    if (*s->cursor < before && !CatchUp(*s, before)) continue;
    placed.push_back(s.get());
  }
  Deliver(placed, rows);
  SendProgress(subs);
}

void EventFeed::ReadFailed(const char* what, const Status& s) {
  // Once per outage, not once per tick: a store that is down fails every read until it is back.
  if (read_failing_) return;
  read_failing_ = true;
  log::Warn("event_feed_read_failed", {{"read", what}, {"error", s.ToString()}});
}

std::vector<JobEventRow> EventFeed::ReadLive() {
  Result<std::vector<JobEventRow>> rows = store_.JobEventsAfter(*live_, options_.page);
  if (!rows.ok()) {
    ReadFailed("events after", rows.status());
    return {};
  }
  read_failing_ = false;
  const size_t n = gaps_.Deliverable(*live_, *rows, clock_.NowMs());
  if (rows->size() == static_cast<size_t>(options_.page) && n == rows->size()) behind_ = true;
  rows->resize(n);
  if (n > 0) live_ = rows->back().seq;
  return std::move(*rows);
}

bool EventFeed::CatchUp(EventSubscription& s, int64_t upto) {
  Result<std::vector<JobEventRow>> rows = store_.JobEventsAfter(*s.cursor, options_.page);
  if (!rows.ok()) {
    ReadFailed("catch-up events", rows.status());
    return false;
  }
  // Rows up to `upto` already passed the live cursor's gap rule: a gap below it is final.
  auto end = std::find_if(rows->begin(), rows->end(),
                          [upto](const JobEventRow& r) { return r.seq > upto; });
  // A short page or one past `upto` holds every row up to it.
  const bool reached = rows->size() < static_cast<size_t>(options_.page) || end != rows->end();
  rows->erase(end, rows->end());
  Deliver({&s}, *rows);
  if (reached) s.cursor = std::max(*s.cursor, upto);
  if (*s.cursor < upto) behind_ = true;
  return *s.cursor >= upto;
}

SharedEvent EventFeed::Make(FeedEvent e) const {
  auto q = std::make_shared<QueuedEvent>();
  q->event = std::move(e);
  if (options_.encode) q->text = options_.encode(q->event);
  return q;
}

void EventFeed::Deliver(const std::vector<EventSubscription*>& subs,
                        const std::vector<JobEventRow>& rows) {
  std::vector<std::vector<SharedEvent>> out(subs.size());
  for (const JobEventRow& r : rows) {
    SharedEvent shared;  // made for the first subscriber that wants it, then shared
    for (size_t i = 0; i < subs.size(); ++i) {
      EventSubscription& s = *subs[i];
      if (r.seq <= *s.cursor) continue;
      s.cursor = r.seq;
      if (!s.filter().Matches(r.job_id, r.type, r.queue, r.tenant)) continue;
      if (!shared) shared = Make(r);
      out[i].push_back(shared);
    }
  }
  for (size_t i = 0; i < subs.size(); ++i) subs[i]->Push(std::move(out[i]));
}

void EventFeed::SendProgress(const std::vector<std::shared_ptr<EventSubscription>>& subs) {
  // Once per tick, or at once for a subscriber that has not had the running jobs' progress yet.
  const bool newcomer = std::any_of(subs.begin(), subs.end(),
                                    [](const auto& s) { return !s->has_progress; });
  if (!newcomer && last_round_ - last_progress_ < options_.tick) return;
  last_progress_ = last_round_;
  Result<std::vector<JobProgressRow>> rows = store_.JobRunningProgress(options_.progress_limit);
  if (!rows.ok()) return ReadFailed("running progress", rows.status());
  std::unordered_map<std::string, std::string> now;
  std::vector<std::vector<SharedEvent>> out(subs.size());
  for (JobProgressRow& p : *rows) {
    std::string key = ProgressKey(p);
    auto it = progress_sent_.find(p.job_id);
    const bool changed = it == progress_sent_.end() || it->second != key;
    SharedEvent shared;
    for (size_t i = 0; i < subs.size(); ++i) {
      const EventSubscription& s = *subs[i];
      if ((changed || !s.has_progress) && s.filter().Matches(p.job_id, p.type, p.queue, p.tenant)) {
        if (!shared) shared = Make(p);
        out[i].push_back(shared);
      }
    }
    now.emplace(p.job_id, std::move(key));
  }
  for (size_t i = 0; i < subs.size(); ++i) subs[i]->Push(std::move(out[i]));
  for (const auto& s : subs) s->has_progress = true;
  progress_sent_ = std::move(now);  // jobs no longer RUNNING are forgotten
}

}  // namespace conveyor
