#include "bench/suite/bench_jobs.h"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <thread>

#include "bench/suite/bench_context.h"
#include "bench/suite/bench_server.h"

namespace conveyor::bench {
namespace {

namespace json = boost::json;

void CollectIds(std::string_view body, std::vector<std::string>& ids) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* jobs = ec || !v.is_object() ? nullptr : v.get_object().if_contains("jobs");
  if (jobs == nullptr || !jobs->is_array()) throw BenchFailure("unexpected batch answer");
  for (const auto& job : jobs->get_array()) {
    ids.emplace_back(job.at("id").as_string());
  }
}

int64_t Count(const json::object& breakdown, const char* state) {
  const json::value* v = breakdown.if_contains(state);
  return v != nullptr && v->is_number() ? v->to_number<int64_t>() : 0;
}

StatsSnapshot ParseStats(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* b = ec || !v.is_object() ? nullptr : v.get_object().if_contains("status_breakdown");
  if (b == nullptr || !b->is_object()) {
    throw BenchFailure("GET /admin/stats: no status_breakdown in " + body.substr(0, 200));
  }
  const auto& o = b->get_object();
  StatsSnapshot s{Count(o, "SCHEDULED"), Count(o, "PENDING"),   Count(o, "RUNNING"),
                  Count(o, "RETRYING"),  Count(o, "SUCCEEDED"), Count(o, "FAILED"),
                  Count(o, "CANCELLED"), Count(o, "EXPIRED"),   0};
  s.total = s.Unfinished() + s.succeeded + s.failed + s.cancelled + s.expired;
  return s;
}

std::string GaveUp(const StatsSnapshot& s, double timeout_s) {
  return "gave up after " + std::to_string(static_cast<int>(timeout_s)) + " s: " +
         std::to_string(s.Unfinished()) + " jobs unfinished, " + std::to_string(s.succeeded) +
         " succeeded, " + std::to_string(s.failed) + " failed";
}

}  // namespace

std::string SquareSumJob() { return R"({"type":"square_sum","payload":{"data":[1,2,3,4,5]}})"; }
std::string NoopJob() { return R"({"type":"noop","payload":{}})"; }

std::string BatchBody(const std::string& job, int count) {
  std::string out = "{\"jobs\":[";
  out.reserve(out.size() + (job.size() + 1) * count + 2);
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    out += job;
  }
  return out + "]}";
}

LoadResult InsertJobs(const BenchServer& server, int jobs, int connections,
                      std::vector<std::string>* ids) {
  static const std::string body = BatchBody(SquareSumJob(), kBatchSize);
  LoadSpec spec = LoadOn(server);
  spec.connections = ids ? 1 : connections;
  spec.max_requests = static_cast<uint64_t>((jobs + kBatchSize - 1) / kBatchSize);
  spec.make_request = [](uint64_t) { return LoadRequest{true, "/api/v1/jobs/batch", body}; };
  if (ids) spec.on_response = [ids](const LoadResponse& r) { CollectIds(r.body, *ids); };
  LoadResult r = RunLoad(spec);
  MustAllSucceed(r, "POST /jobs/batch");
  return r;
}

StatsSnapshot FetchStats(HttpClient& client) {
  auto res = client.Get("/api/v1/admin/stats");
  if (!res.ok()) throw BenchFailure("GET /admin/stats: " + res.status().message());
  if (!res->ok()) {
    throw BenchFailure("GET /admin/stats: HTTP " + std::to_string(res->status) + " " + res->body);
  }
  return ParseStats(res->body);
}

StatsSnapshot PollStatsUntil(HttpClient& client, double timeout_s,
                             const std::function<bool(const StatsSnapshot&)>& done) {
  using std::chrono::steady_clock;
  auto deadline = steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    auto asked = steady_clock::now();
    StatsSnapshot s = FetchStats(client);
    if (done(s)) return s;
    if (steady_clock::now() > deadline) throw BenchFailure(GaveUp(s, timeout_s));
    ThrowIfInterrupted();
    // Counting a large table is not free: poll every 50 ms, but never spend more than a fifth
    // of the time asking, or the poll itself would slow the burn-down it measures.
    std::this_thread::sleep_for(
        std::max<steady_clock::duration>(std::chrono::milliseconds(50), 4 * (steady_clock::now() - asked)));
  }
}

namespace {

bool AnyInState(HttpClient& client, const char* state) {
  auto res = client.Get(std::string("/api/v1/jobs?limit=1&status=") + state);
  if (!res.ok()) throw BenchFailure("GET /jobs: " + res.status().message());
  if (!res->ok()) throw BenchFailure("GET /jobs: HTTP " + std::to_string(res->status));
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  const json::value* jobs = ec || !v.is_object() ? nullptr : v.get_object().if_contains("jobs");
  if (jobs == nullptr || !jobs->is_array()) throw BenchFailure("GET /jobs: no jobs array");
  return !jobs->get_array().empty();
}

}  // namespace

StatsSnapshot PollUntilDrained(HttpClient& client, double timeout_s) {
  using std::chrono::steady_clock;
  auto deadline = steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    bool busy = false;
    for (const char* state : {"PENDING", "RUNNING", "RETRYING", "SCHEDULED"}) {
      if ((busy = AnyInState(client, state))) break;
    }
    if (!busy) {
      StatsSnapshot s = FetchStats(client);
      if (s.Unfinished() == 0) return s;
    }
    if (steady_clock::now() > deadline) throw BenchFailure(GaveUp(FetchStats(client), timeout_s));
    ThrowIfInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::unique_ptr<HttpClient> MustConnect(const BenchServer& server) {
  auto client = HttpClient::Create(server.url());
  if (!client.ok()) throw BenchFailure(client.status().message());
  if (!server.api_key().empty()) (*client)->set_api_key(server.api_key());
  return std::move(client).value();
}

LoadSpec LoadOn(const BenchServer& server) {
  LoadSpec spec;
  spec.port = server.port();
  spec.authorization = server.authorization();
  return spec;
}

void MustAllSucceed(const LoadResult& r, const std::string& what) {
  if (r.http_errors == 0 && r.transport_errors == 0) return;
  ThrowIfInterrupted();
  throw BenchFailure(what + ": " + std::to_string(r.http_errors) + " HTTP errors, " +
                     std::to_string(r.transport_errors) + " transport errors; first: " +
                     r.first_error);
}

}  // namespace conveyor::bench
