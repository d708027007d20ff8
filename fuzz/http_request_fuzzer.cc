// Fuzzes the HTTP front door end to end: the input is the raw bytes a client sends on one
// connection (one request, several pipelined, or garbage). They go over loopback to a real
// HttpServer (Beast's parser, the session loop, the router and every route's handler) in front
// of an API-only node (node/node.h) on a SQLite store in a temp dir, started once per process; the
// harness closes its sending side and reads every answer until the server closes.
// Invariants: no crash or UB in any server thread; every answer is well-formed HTTP/1.1 with a
// Content-Length; never a 500 (bad input must get a 4xx); and the server closes the connection
// within kAnswerTimeoutS (no hang on a half-sent request). Inputs naming /leases are skipped.
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_http_reply.h"
#include "node/node.h"

namespace {

constexpr int kAnswerTimeoutS = 10;

// The store lives in a temp dir (tmpfs when there is one) that outlives the process; it is
// small (jobs stay pending: there are no workers) and removed by the run script.
std::string TempDir() {
  const char* base = std::getenv("CONVEYOR_FUZZ_TMP");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/conveyor-fuzz-http-XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

// An API-only node built the way `conveyor serve --workers 0` builds one (node/node.h).
conveyor::Node* StartNode() {
  conveyor::NodeConfig c;
  c.store_url = "sqlite:" + TempDir() + "/conveyor.db";
  c.role = conveyor::kRoleApi;
  c.runtime.workers = 0;
  c.runtime.node_name = "fuzz";
  c.server.listen = "127.0.0.1:0";
  c.server.max_body_bytes = 64 << 10;
  c.server.header_timeout = c.server.body_timeout = c.server.idle_timeout =
      std::chrono::seconds(3);
  auto node = conveyor::Node::Build(std::move(c));
  FUZZ_CHECK(node.ok());
  FUZZ_CHECK((*node)->Start().ok());
  return node->release();  // lives for the whole process, as a server would
}

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  FUZZ_CHECK(fd >= 0);
  timeval tv{.tv_sec = kAnswerTimeoutS, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    // Interrupted by libFuzzer's SIGALRM, the connect goes on in the background: wait for it.
    FUZZ_CHECK(errno == EINTR);
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    while (poll(&p, 1, kAnswerTimeoutS * 1000) < 0) FUZZ_CHECK(errno == EINTR);
    int error = 0;
    socklen_t len = sizeof error;
    FUZZ_CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0);
  }
  return fd;
}

// Sends what it can: the server may answer and close before reading everything (413, 431).
void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;  // libFuzzer's SIGALRM
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads until the server closes; false if it did not within kAnswerTimeoutS. libFuzzer's
// -timeout alarm (SIGALRM) interrupts recv with EINTR, which socket calls with SO_RCVTIMEO never
// restart: that is retried until the deadline, not taken for a stall.
bool ReadToEnd(int fd, std::string* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kAnswerTimeoutS);
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
    } else if (errno == ECONNRESET) {
      return true;
    } else if (errno != EINTR || std::chrono::steady_clock::now() >= deadline) {
      return false;  // EAGAIN: the receive timeout expired
    }
  }
}

// A connection the server left open: says what came back and whether the server still answers
// others (a blocked I/O thread) or only this connection hangs, then fails the input.
void ReportStall(uint16_t port, const std::string& reply) {
  std::fprintf(stderr,
               "the server did not close the connection within %d s; it sent %zu bytes:\n%.300s\n",
               kAnswerTimeoutS, reply.size(), reply.c_str());
  if (std::getenv("CONVEYOR_FUZZ_STACKS") != nullptr) {  // every thread's stack, to see who waits
    const std::string gdb = "gdb -p " + std::to_string(getpid()) +
                            " -batch -ex 'thread apply all bt 25' >&2 2>/dev/null";
    (void)std::system(gdb.c_str());  // a diagnostic only: its failure changes nothing
  }
  const int fd = Connect(port);
  SendAll(fd, "GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n");
  shutdown(fd, SHUT_WR);
  std::string health;
  const bool answered = ReadToEnd(fd, &health) && health.starts_with("HTTP/1.1 200");
  close(fd);
  std::fprintf(stderr, "a fresh GET /health was %s\n", answered ? "answered" : "NOT answered");
  FUZZ_CHECK(false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static conveyor::Node* node = StartNode();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // POST /leases may long-poll for up to kMaxLeaseWaitS (60 s) by design, beyond what one fuzz
  // input may take; that route's parser is covered by its own tests.
  if (input.find("leases") != std::string_view::npos) return 0;
  const int fd = Connect(node->port());
  SendAll(fd, input);
  shutdown(fd, SHUT_WR);
  std::string reply;
  const bool closed = ReadToEnd(fd, &reply);
  close(fd);
  if (!closed) ReportStall(node->port(), reply);
  conveyor::fuzz::CheckReplies(reply);
  return 0;
}
