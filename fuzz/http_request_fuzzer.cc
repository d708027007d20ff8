// Fuzzes the HTTP front door end to end: the input is the raw bytes a client sends on one
// connection (one request, several pipelined, or garbage). They go over loopback to a real
// HttpServer (Beast's parser, the session loop, the router and every route's handler) in front
// of a real JobService and SQLite store in a temp dir, started once per process; the harness
// closes its sending side and reads every answer until the server closes.
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

#include "api/http_server.h"
#include "core/clock.h"
#include "fuzz_check.h"
#include "fuzz_http_reply.h"
#include "handlers/handler_registry.h"
#include "runtime/job_service.h"
#include "store/store_factory.h"

namespace {

constexpr int kAnswerTimeoutS = 10;

struct Node {
  std::unique_ptr<conveyor::Store> store;
  conveyor::HandlerRegistry handlers;
  std::unique_ptr<conveyor::JobService> jobs;
  std::unique_ptr<conveyor::HttpServer> server;
};

// The store lives in a temp dir (tmpfs when there is one) that outlives the process; it is
// small (jobs stay pending: there are no workers) and removed by the run script.
std::string TempDir() {
  const char* base = std::getenv("CONVEYOR_FUZZ_TMP");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/conveyor-fuzz-http-XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

Node* StartNode() {
  auto* node = new Node();  // lives for the whole process, as a server would
  auto store = conveyor::OpenStore("sqlite:" + TempDir() + "/conveyor.db");
  FUZZ_CHECK(store.ok());
  node->store = std::move(store).value();
  FUZZ_CHECK(node->store->Migrate().ok());
  conveyor::RegisterBuiltinHandlers(node->handlers);
  conveyor::RuntimeConfig runtime;
  runtime.node_name = "fuzz";
  node->jobs = std::make_unique<conveyor::JobService>(
      *node->store, node->handlers, *conveyor::SystemClock::Default(), runtime, nullptr);
  conveyor::ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.max_body_bytes = 64 << 10;
  config.header_timeout = config.body_timeout = config.idle_timeout = std::chrono::seconds(3);
  node->server = std::make_unique<conveyor::HttpServer>(*node->jobs, config, nullptr);
  FUZZ_CHECK(node->server->Start().ok());
  return node;
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
  static Node* node = StartNode();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // POST /leases may long-poll for up to kMaxLeaseWaitS (60 s) by design, beyond what one fuzz
  // input may take; that route's parser is covered by its own tests.
  if (input.find("leases") != std::string_view::npos) return 0;
  const int fd = Connect(node->server->port());
  SendAll(fd, input);
  shutdown(fd, SHUT_WR);
  std::string reply;
  const bool closed = ReadToEnd(fd, &reply);
  close(fd);
  if (!closed) ReportStall(node->server->port(), reply);
  conveyor::fuzz::CheckReplies(reply);
  return 0;
}
