// SseListeners: `conveyor bench --sse N` — N clients following GET /api/v1/events on a bench
// server for as long as it runs, reading every event and dropping it, so a phase measures the
// server with live subscribers attached (issue 13: the figures with SSE on must be within noise
// of those without). Each client is a thread on a blocking socket; the destructor shuts the
// sockets down, joins the threads and prints how many job events they received.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace conveyor::bench {

class SseListeners {
 public:
  // Connects `count` clients to 127.0.0.1:port (with `authorization` as the Authorization
  // header when non-empty); throws BenchFailure if one cannot connect.
  SseListeners(std::string name, uint16_t port, const std::string& authorization, int count);
  ~SseListeners();
  SseListeners(const SseListeners&) = delete;
  SseListeners& operator=(const SseListeners&) = delete;

 private:
  void Read(int fd);

  std::string name_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> events_{0};
};

}  // namespace conveyor::bench
