#include "runtime/events/event_subscription.h"

#include <algorithm>
#include <utility>

namespace conveyor {
namespace {

bool AnyOrIn(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool EventFilter::Matches(std::string_view job_id, std::string_view type, std::string_view queue,
                          std::string_view job_tenant) const {
  if (tenant && *tenant != job_tenant) return false;
  return AnyOrIn(job_ids, job_id) && AnyOrIn(types, type) && AnyOrIn(queues, queue);
}

EventSubscription::EventSubscription(EventFilter filter, std::optional<int64_t> after_seq,
                                     std::string owner, size_t capacity, std::function<void()> wake)
    : cursor(after_seq),
      filter_(std::move(filter)),
      owner_(std::move(owner)),
      capacity_(capacity),
      wake_(std::move(wake)) {}

EventSubscription::Batch EventSubscription::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  Batch b;
  b.events.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  b.overflowed = overflowed_;
  b.ended = ended_;
  woken_ = false;
  return b;
}

void EventSubscription::Push(std::vector<SharedEvent> events) {
  if (events.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (overflowed_ || ended_) return;
  // A round's events go in together: the subscriber cannot take the queue between two of them,
  // so whether a round overflows it does not depend on thread timing.
  const size_t room = capacity_ - std::min(capacity_, queue_.size());
  const size_t n = std::min(room, events.size());
  queue_.insert(queue_.end(), std::make_move_iterator(events.begin()),
                std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(n)));
  overflowed_ = n < events.size();
  WakeLocked();
}

void EventSubscription::End() {
  std::lock_guard<std::mutex> lock(mu_);
  ended_ = true;
  WakeLocked();
}

void EventSubscription::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  wake_ = nullptr;
}

bool EventSubscription::overflowed() {
  std::lock_guard<std::mutex> lock(mu_);
  return overflowed_;
}

void EventSubscription::WakeLocked() {
  if (woken_ || !wake_) return;
  woken_ = true;
  wake_();
}

}  // namespace conveyor
