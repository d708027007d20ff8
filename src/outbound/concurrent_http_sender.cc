#include "outbound/concurrent_http_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <vector>

#include "outbound/http_transfer.h"

namespace conveyor {
namespace {

// The loop sleeps in curl_multi_poll at most this long; Submit and Stop wake it at once.
constexpr int kPollMs = 1000;

CURLM* Multi(void* m) { return static_cast<CURLM*>(m); }

Status Stopped(const std::string& name) { return Status::Cancelled(name + " stopped"); }

}  // namespace

ConcurrentHttpSender::ConcurrentHttpSender(ConcurrentHttpSenderOptions options)
    : options_(std::move(options)) {
  CurlGlobalInitOnce();
  CURLM* m = curl_multi_init();
  multi_ = m;
  if (m == nullptr) return;  // Start() reports it
  const long in_flight = std::max(1, options_.max_in_flight);
  // Keep as many idle connections as transfers may run at once, so a burst reuses them all.
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, in_flight);
  if (options_.max_host_connections > 0) {
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_host_connections));
  }
}

ConcurrentHttpSender::~ConcurrentHttpSender() {
  Stop();
  if (multi_ != nullptr) curl_multi_cleanup(Multi(multi_));
}

Status ConcurrentHttpSender::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_)
    return Status::FailedPrecondition("the " + options_.name + " was started before");
  if (multi_ == nullptr) return Status::Internal("curl_multi_init failed");
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void ConcurrentHttpSender::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (multi_ != nullptr) curl_multi_wakeup(Multi(multi_));
  if (thread_.joinable()) thread_.join();
  CancelAll();  // requests queued before Start, or when Start never ran
}

void ConcurrentHttpSender::Submit(HttpRequestSpec spec, Done done) {
  Result<std::unique_ptr<HttpTransfer>> transfer =
      HttpTransfer::Create(std::move(spec), options_.policy);
  if (!transfer.ok()) {
    done(HttpSendResult{.response = transfer.status()});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Queued{std::move(transfer).value(), std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done(HttpSendResult{.response = Stopped(options_.name)});
    return;
  }
  curl_multi_wakeup(Multi(multi_));
}

void ConcurrentHttpSender::Run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    AddQueued();
    int running = 0;
    curl_multi_perform(Multi(multi_), &running);
    // Finished transfers made room: start queued ones now rather than after the poll.
    if (ReapDone() > 0 && HasQueued()) continue;
    curl_multi_poll(Multi(multi_), nullptr, 0, kPollMs, nullptr);
  }
  CancelAll();
}

// REQUIRES: sender thread.
void ConcurrentHttpSender::AddQueued() {
  std::vector<Queued> taken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t room = static_cast<size_t>(std::max(1, options_.max_in_flight)) -
                        std::min(active_.size(), static_cast<size_t>(options_.max_in_flight));
    while (taken.size() < room && !queue_.empty()) {
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  const auto now = std::chrono::steady_clock::now();
  for (Queued& q : taken) {
    CURL* easy = q.transfer->easy();
    curl_multi_add_handle(Multi(multi_), easy);
    active_.emplace(easy, Active{std::move(q.transfer), std::move(q.done), now});
  }
}

bool ConcurrentHttpSender::HasQueued() {
  std::lock_guard<std::mutex> lock(mu_);
  return !queue_.empty();
}

// REQUIRES: sender thread. Returns how many transfers finished.
int ConcurrentHttpSender::ReapDone() {
  int reaped = 0;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(Multi(multi_), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;  // msg is invalid once the handle is removed
    auto it = active_.find(easy);
    if (it == active_.end()) continue;
    Active a = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(Multi(multi_), easy);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    if (connects > 0) connections_opened_.fetch_add(connects);
    const auto elapsed = std::chrono::steady_clock::now() - a.started;
    HttpSendResult result{
        .response = a.transfer->Finish(code),
        .duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(),
        .new_connection = connects > 0};
    a.transfer.reset();  // the easy handle goes before the callback may submit more
    completed_.fetch_add(1);
    ++reaped;
    a.done(std::move(result));
  }
  return reaped;
}

// Completes everything queued or in flight with Cancelled. After the thread ended, or on it.
void ConcurrentHttpSender::CancelAll() {
  std::deque<Queued> queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued.swap(queue_);
  }
  for (auto& [easy, a] : active_) {
    curl_multi_remove_handle(Multi(multi_), static_cast<CURL*>(easy));
    a.transfer.reset();
    a.done(HttpSendResult{.response = Stopped(options_.name)});
  }
  active_.clear();
  for (Queued& q : queued) q.done(HttpSendResult{.response = Stopped(options_.name)});
}

}  // namespace conveyor
