#include "bench/suite/load_generator.h"

#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "bench/suite/bench_context.h"

namespace conveyor::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using asio::use_awaitable;

constexpr auto kIoTimeout = std::chrono::seconds(60);

int64_t ProcessCpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return int64_t{t.tv_sec} * 1000000 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

int64_t SystemMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// Per-connection tallies, merged after the run: no shared counters on the hot path.
struct ConnectionStats {
  uint64_t ok = 0, http_errors = 0, transport_errors = 0;
  std::vector<int32_t> latencies_us;
  std::string first_error;
};

class LoadRun {
 public:
  explicit LoadRun(const LoadSpec& spec)
      : spec_(spec),
        ioc_(spec.threads),
        endpoint_(asio::ip::make_address("127.0.0.1"), spec.port),
        stats_(spec.connections) {}

  LoadResult Run();

 private:
  std::optional<uint64_t> NextSeq();
  asio::awaitable<void> Pace(uint64_t seq);
  asio::awaitable<void> Connection(int index);
  asio::awaitable<void> Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                 int index, uint64_t seq);
  void Record(int index, const LoadResponse& response, int32_t latency_us);
  void RecordError(ConnectionStats& st, const std::string& what);
  LoadResult Merge(double elapsed_s);

  const LoadSpec& spec_;
  asio::io_context ioc_;
  tcp::endpoint endpoint_;
  std::vector<ConnectionStats> stats_;
  std::atomic<uint64_t> next_seq_{0};
  SteadyClock::time_point start_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
};

std::optional<uint64_t> LoadRun::NextSeq() {
  if (Interrupted() || SteadyClock::now() >= deadline_) return std::nullopt;
  uint64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  if (spec_.max_requests > 0 && seq >= spec_.max_requests) return std::nullopt;
  return seq;
}

asio::awaitable<void> LoadRun::Pace(uint64_t seq) {
  auto due = start_ + std::chrono::duration_cast<SteadyClock::duration>(
                          std::chrono::duration<double>(seq / spec_.rate_per_s));
  if (due <= SteadyClock::now()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, due);
  co_await timer.async_wait(use_awaitable);
}

http::request<http::span_body<const char>> ToBeastRequest(const LoadRequest& r,
                                                          std::string_view authorization) {
  http::request<http::span_body<const char>> req{r.post ? http::verb::post : http::verb::get,
                                                 r.target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  if (r.post) req.set(http::field::content_type, "application/json");
  req.body() = {r.body.data(), r.body.size()};
  req.prepare_payload();
  return req;
}

void LoadRun::Record(int index, const LoadResponse& response, int32_t latency_us) {
  ConnectionStats& st = stats_[index];
  st.latencies_us.push_back(latency_us);
  if (response.status >= 200 && response.status < 300) {
    ++st.ok;
  } else {
    ++st.http_errors;
    if (st.first_error.empty()) {
      st.first_error = "HTTP " + std::to_string(response.status) + ": " +
                       std::string(response.body.substr(0, 300));
    }
  }
  if (spec_.on_response) spec_.on_response(response);
}

asio::awaitable<void> LoadRun::Exchange(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                        int index, uint64_t seq) {
  LoadRequest r = spec_.make_request(seq);
  auto req = ToBeastRequest(r, spec_.authorization);
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  const int64_t sent = SystemMicros();
  const auto t0 = SteadyClock::now();
  stream.expires_after(kIoTimeout);
  co_await http::async_write(stream, req, use_awaitable);
  co_await http::async_read(stream, buffer, parser, use_awaitable);
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - t0);
  auto& res = parser.get();
  Record(index, {index, seq, static_cast<int>(res.result_int()), res.body(), sent, SystemMicros()},
         static_cast<int32_t>(latency.count()));
  if (!res.keep_alive()) stream.close();
}

void LoadRun::RecordError(ConnectionStats& st, const std::string& what) {
  ++st.transport_errors;
  if (st.first_error.empty()) st.first_error = what;
}

asio::awaitable<void> LoadRun::Connection(int index) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  beast::flat_buffer buffer;
  while (auto seq = NextSeq()) {
    if (spec_.rate_per_s > 0) co_await Pace(*seq);
    try {
      if (!stream.socket().is_open()) {
        buffer.clear();
        stream.expires_after(kIoTimeout);
        co_await stream.async_connect(endpoint_, use_awaitable);
        stream.socket().set_option(tcp::no_delay(true));
      }
      co_await Exchange(stream, buffer, index, *seq);
    } catch (const std::exception& e) {
      RecordError(stats_[index], e.what());
      beast::error_code ignored;  // the socket is being thrown away either way
      stream.socket().close(ignored);
    }
  }
}

LoadResult LoadRun::Merge(double elapsed_s) {
  LoadResult out;
  out.elapsed_s = elapsed_s;
  for (auto& st : stats_) {
    out.ok += st.ok;
    out.http_errors += st.http_errors;
    out.transport_errors += st.transport_errors;
    out.latencies_us.insert(out.latencies_us.end(), st.latencies_us.begin(), st.latencies_us.end());
    if (out.first_error.empty()) out.first_error = st.first_error;
  }
  return out;
}

LoadResult LoadRun::Run() {
  const int64_t cpu0 = ProcessCpuMicros();
  start_ = SteadyClock::now();
  if (spec_.duration_s > 0) {
    deadline_ = start_ + std::chrono::duration_cast<SteadyClock::duration>(
                             std::chrono::duration<double>(spec_.duration_s));
  }
  for (int i = 0; i < spec_.connections; ++i) {
    asio::co_spawn(ioc_, Connection(i), asio::detached);
  }
  std::vector<std::thread> extra;
  for (int t = 1; t < spec_.threads; ++t) extra.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : extra) t.join();
  LoadResult out = Merge(std::chrono::duration<double>(SteadyClock::now() - start_).count());
  out.client_cpu_us = ProcessCpuMicros() - cpu0;
  return out;
}

}  // namespace

LoadResult RunLoad(const LoadSpec& spec) {
  if (spec.duration_s <= 0 && spec.max_requests == 0) {
    throw BenchFailure("RunLoad needs a duration or a request budget");
  }
  LoadRun run(spec);
  return run.Run();
}

double Percentile(std::vector<int32_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace conveyor::bench
