// WebhookReceiver: the smallest HTTP/1.1 keep-alive server that is correct for webhook senders,
// so benchmarks measure the sender, not the receiver. One epoll thread reads each request head,
// skips Content-Length bytes of body and answers "200, Content-Length: 0", all the complete
// requests of one read in one write. Not a general server (no chunked bodies, no pipelining
// limits). Used by `conveyor bench`'s webhook phase and bench/webhook_bench.cc.
//
// Thread-safety: Url() and requests() from any thread; the rest is the receiver's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_map>

namespace conveyor::bench {

class WebhookReceiver {
 public:
  WebhookReceiver();  // listens on 127.0.0.1, a free port
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int64_t requests() const { return requests_.load(); }

 private:
  void Watch(int fd);
  void Run();
  void Accept();
  void Read(int fd);
  void Answer(int fd, std::string& buf);

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> requests_{0};
  std::unordered_map<int, std::string> conns_;  // receiver thread only
  std::thread thread_;
};

}  // namespace conveyor::bench
