// TestWebhookReceiver: a real keep-alive HTTP/1.1 webhook receiver for C++ tests — the same
// Python script the e2e tests import (tests/e2e/webhook_receiver.py, paths documented there),
// run as a child process on port 0. Count() and Connections() read its plain-text counters over
// HTTP. One per test fixture; the destructor kills and reaps the child. Not thread-safe itself.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "outbound/http_client.h"
#include "outbound/test_port_printer.h"

namespace conveyor {

// A port nobody listens on: bound, then closed.
inline int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class TestWebhookReceiver {
 public:
  // port 0: any free port.
  explicit TestWebhookReceiver(int port = 0) {
    const std::string here = __FILE__;
    const std::string script = here.substr(0, here.rfind('/')) + "/../e2e/webhook_receiver.py";
    pid_ = SpawnPortPrinter({"python3", script, std::to_string(port)},
                            "the webhook receiver printed no port", &port_);
  }
  ~TestWebhookReceiver() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  TestWebhookReceiver(const TestWebhookReceiver&) = delete;
  TestWebhookReceiver& operator=(const TestWebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Requests logged so far, and over how many distinct connections they came.
  int Count() const { return Number("/_count"); }
  int Connections() const { return Number("/_connections"); }
  // The raw JSON log (see webhook_receiver.py).
  std::string Log() const { return Get("/_log"); }

 private:
  std::string Get(const std::string& path) const {
    Result<HttpResponseData> r =
        PerformHttpRequest(HttpRequestSpec{.url = Url(path)}, UrlPolicy{}, [] { return false; });
    if (!r.ok()) throw std::runtime_error("receiver " + path + ": " + r.status().ToString());
    return r->body;
  }
  int Number(const std::string& path) const { return std::atoi(Get(path).c_str()); }

  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace conveyor
