// RunLoad: the bench's HTTP load generator. N keep-alive HTTP/1.1 connections (Beast, C++20
// coroutines) on one or two io_context threads; each connection loops "send a request, read the
// response" until the duration or request budget is spent, optionally paced to a fixed rate.
// Counts responses by outcome and keeps every latency.
//
// Thread-safety: RunLoad blocks its caller. `make_request` and `on_response` are called from the
// load threads; with threads == 1 never concurrently, otherwise they must be thread-safe.
// Each connection's responses arrive in order on one coroutine, so per-connection state
// indexed by LoadResponse::connection needs no lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace conveyor::bench {

struct LoadRequest {
  bool post = false;
  std::string target;
  std::string_view body;  // must outlive the run (bodies are shared, not copied per request)
};

struct LoadResponse {
  int connection = 0;
  uint64_t seq = 0;          // the request's number, 0-based, as given to make_request
  int status = 0;
  std::string_view body;
  int64_t sent_at_us = 0;    // system clock, just before the request was written
  int64_t acked_at_us = 0;   // system clock, when the response was read
};

struct LoadSpec {
  uint16_t port = 0;  // on 127.0.0.1
  int connections = 64;
  int threads = 1;
  double duration_s = 0;      // stop starting requests after this long (0: no limit)
  uint64_t max_requests = 0;  // stop after this many (0: no limit); one of the two must be set
  double rate_per_s = 0;      // request `seq` starts at start + seq / rate (0: back to back)
  // The Authorization header's value ("Bearer <key>"), sent with every request; built once by
  // the caller, so a request costs no more than one header field more. Empty: no header.
  std::string authorization;
  std::function<LoadRequest(uint64_t seq)> make_request;
  std::function<void(const LoadResponse&)> on_response;  // optional
};

struct LoadResult {
  uint64_t ok = 0;               // 2xx
  uint64_t http_errors = 0;      // any other status
  uint64_t transport_errors = 0; // connect/write/read failures (each costs one request)
  double elapsed_s = 0;
  int64_t client_cpu_us = 0;  // the bench process's own CPU during the run (it shares the cores)
  std::vector<int32_t> latencies_us;  // per response, unordered
  std::string first_error;

  double OkPerSecond() const { return elapsed_s > 0 ? ok / elapsed_s : 0; }
};

LoadResult RunLoad(const LoadSpec& spec);

// p in [0, 100]; sorts `v` in place. 0 for an empty vector.
double Percentile(std::vector<int32_t>& v, double p);

}  // namespace conveyor::bench
