#include "runtime/work/completion_committer.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace conveyor {

CompletionCommitter::~CompletionCommitter() { Stop(); }

void CompletionCommitter::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void CompletionCommitter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Never started (or already drained): commit whatever is left on this thread.
  std::vector<std::shared_ptr<Attempt>> attempts;
  std::vector<JobCompletion> completions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    attempts.swap(attempts_);
    completions.swap(completions_);
  }
  executor_.CompleteMany(std::move(completions), attempts);
}

void CompletionCommitter::Add(std::shared_ptr<Attempt> attempt, JobCompletion completion) {
  std::unique_lock<std::mutex> lock(mu_);
  has_room_.wait(lock, [&] { return attempts_.size() < kMaxQueued || stop_; });
  attempts_.push_back(std::move(attempt));
  completions_.push_back(std::move(completion));
  if (attempts_.size() == 1) has_work_.notify_one();
}

void CompletionCommitter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    has_work_.wait(lock, [&] { return !attempts_.empty() || stop_; });
    if (attempts_.empty()) return;  // stopping with nothing left
    const size_t n = std::min(attempts_.size(), kMaxPerCommit);
    std::vector<std::shared_ptr<Attempt>> attempts(std::make_move_iterator(attempts_.begin()),
                                                   std::make_move_iterator(attempts_.begin() + n));
    std::vector<JobCompletion> completions(std::make_move_iterator(completions_.begin()),
                                           std::make_move_iterator(completions_.begin() + n));
    attempts_.erase(attempts_.begin(), attempts_.begin() + n);
    completions_.erase(completions_.begin(), completions_.begin() + n);
    lock.unlock();
    has_room_.notify_all();
    executor_.CompleteMany(std::move(completions), attempts);
    lock.lock();
  }
}

}  // namespace conveyor
