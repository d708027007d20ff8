// SendResults: collects what a ConcurrentHttpSender (or the WebhookSender built on it) answers;
// Wait() blocks until n arrived, bounded so a bug fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "outbound/concurrent_http_sender.h"

namespace conveyor::testing {

class SendResults {
 public:
  ConcurrentHttpSender::Done Callback() {
    return [this](HttpSendResult r) {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  bool Wait(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return results_.size() >= n; });
  }
  std::vector<HttpSendResult> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(results_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<HttpSendResult> results_;
};

}  // namespace conveyor::testing
