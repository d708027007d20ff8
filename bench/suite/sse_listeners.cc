#include "bench/suite/sse_listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "bench/suite/bench_context.h"

namespace conveyor::bench {
namespace {

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

SseListeners::SseListeners(std::string name, uint16_t port, const std::string& authorization,
                           int count)
    : name_(std::move(name)) {
  std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
  request += "Accept: text/event-stream\r\n\r\n";
  for (int i = 0; i < count; ++i) {
    const int fd = Connect(port);
    if (fd < 0 || !SendAll(fd, request)) {
      if (fd >= 0) close(fd);
      throw BenchFailure("an SSE subscriber could not connect to the " + name_ + " server");
    }
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Read(fd); });
  }
}

// Counts "event: job" lines; a line split across two reads is missed, which only undercounts
// the report, never the load.
void SseListeners::Read(int fd) {
  char buf[16384];
  constexpr std::string_view kJob = "event: job\n";
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    const std::string_view chunk(buf, static_cast<size_t>(n));
    int64_t found = 0;
    for (size_t at = chunk.find(kJob); at != std::string_view::npos;
         at = chunk.find(kJob, at + kJob.size())) {
      ++found;
    }
    events_.fetch_add(found, std::memory_order_relaxed);
  }
}

SseListeners::~SseListeners() {
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
  for (auto& t : threads_) t.join();
  for (int fd : fds_) close(fd);
  std::printf("    %zu SSE subscribers on the %s server received %lld job events\n", fds_.size(),
              name_.c_str(), static_cast<long long>(events_.load()));
}

}  // namespace conveyor::bench
