// ConcurrentHttpSender: many outgoing HTTP requests at once on one libcurl MULTI handle, driven
// by one thread of its own — so its callers (webhook delivery) never occupy a worker thread
// waiting, and many requests are in flight together. Connections are kept alive and reused
// between requests to the same host (libcurl's connection cache on the multi handle). Each request
// is an HttpTransfer, so the URL policy is enforced exactly as for PerformHttpRequest: checked
// before sending, and every address is checked again at connect time (a name that resolves to a
// refused address never connects). The header keeps curl out: callers need not include it.
//
// Requests beyond max_in_flight wait in a queue, in submission order. Each request has its own
// timeout (HttpRequestSpec::timeout_ms, the whole transfer).
//
// Lifecycle: Start() launches the thread; Stop() (idempotent, safe before Start, called by the
// destructor) ends it, and requests still queued or in flight complete with Cancelled.
// Thread-safety: Submit may be called from any thread. `done` runs on the sender thread (or
// inline in Submit when the request is invalid or the sender is stopped), exactly once per
// request; it must not block and must not call Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/status.h"
#include "outbound/http_client.h"
#include "outbound/url_policy.h"

namespace conveyor {

class HttpTransfer;

struct ConcurrentHttpSenderOptions {
  UrlPolicy policy;
  int max_in_flight = 256;  // transfers at once; the rest wait in the queue
  // Connections to one host at most (0: no limit but max_in_flight). Keeps a slow receiver from
  // taking every connection.
  int max_host_connections = 0;
  // What the sender's own messages call it ("<name> stopped", "the <name> was started before").
  std::string name = "HTTP sender";
};

struct HttpSendResult {
  // The response whatever its status code, or the error (see PerformHttpRequest for the codes).
  Result<HttpResponseData> response;
  int64_t duration_ms = 0;      // from the start of the transfer to its end
  bool new_connection = false;  // false when a kept-alive connection was reused
};

class ConcurrentHttpSender {
 public:
  using Done = std::function<void(HttpSendResult)>;

  explicit ConcurrentHttpSender(ConcurrentHttpSenderOptions options);
  ~ConcurrentHttpSender();
  ConcurrentHttpSender(const ConcurrentHttpSender&) = delete;
  ConcurrentHttpSender& operator=(const ConcurrentHttpSender&) = delete;

  // FailedPrecondition when started before or after Stop().
  Status Start();
  void Stop();

  void Submit(HttpRequestSpec spec, Done done);

  // Counters, for tests and the benchmark.
  int64_t connections_opened() const { return connections_opened_.load(); }
  int64_t completed() const { return completed_.load(); }

 private:
  struct Active {
    std::unique_ptr<HttpTransfer> transfer;
    Done done;
    std::chrono::steady_clock::time_point started;
  };
  struct Queued {
    std::unique_ptr<HttpTransfer> transfer;
    Done done;
  };

  void Run();
  void AddQueued();
  int ReapDone();
  bool HasQueued();
  void CancelAll();

  const ConcurrentHttpSenderOptions options_;
  void* multi_ = nullptr;  // CURLM*, owned; void* keeps curl out of this header
  std::thread thread_;
  std::mutex mu_;
  std::deque<Queued> queue_;                  // REQUIRES: mu_ held
  bool started_ = false;                      // REQUIRES: mu_ held
  bool stopping_ = false;                     // REQUIRES: mu_ held
  std::unordered_map<void*, Active> active_;  // sender thread only, keyed by CURL*
  std::atomic<int64_t> connections_opened_{0};
  std::atomic<int64_t> completed_{0};
};

}  // namespace conveyor
