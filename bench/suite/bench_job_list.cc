#include "bench/suite/bench_job_list.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "core/time_format.h"

namespace conveyor::bench {
namespace {

namespace json = boost::json;

constexpr int kPageSize = 1000;  // the list's maximum

int64_t TimeField(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return 0;
  return ParseRfc3339(v->get_string()).value_or(0);
}

std::string StringField(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

int64_t HandlerStartUs(const json::object& job) {
  const json::value* r = job.if_contains("result");
  const json::object* result = r != nullptr ? r->if_object() : nullptr;
  const json::value* t = result != nullptr ? result->if_contains("started_at_us") : nullptr;
  return t != nullptr && t->is_number() ? t->to_number<int64_t>() : 0;
}

JobTimes ToTimes(const json::object& o) {
  return {StringField(o, "idempotency_key"),
          StringField(o, "status"),
          TimeField(o, "run_at"),
          TimeField(o, "created_at"),
          TimeField(o, "started_at"),
          TimeField(o, "finished_at"),
          HandlerStartUs(o)};
}

// Appends one page's jobs; returns its next_cursor ("" at the end).
std::string ReadPage(HttpClient& client, const std::string& target, std::vector<JobTimes>& out) {
  auto res = client.Get(target);
  if (!res.ok()) throw BenchFailure("GET " + target + ": " + res.status().message());
  if (!res->ok()) {
    throw BenchFailure("GET " + target + ": HTTP " + std::to_string(res->status) + " " +
                       res->body.substr(0, 200));
  }
  boost::system::error_code ec;
  json::value doc = json::parse(res->body, ec);
  const json::object* page = ec ? nullptr : doc.if_object();
  const json::value* jobs = page != nullptr ? page->if_contains("jobs") : nullptr;
  if (jobs == nullptr || !jobs->is_array()) throw BenchFailure("GET " + target + ": no jobs");
  for (const auto& j : jobs->get_array()) {
    if (j.is_object()) out.push_back(ToTimes(j.get_object()));
  }
  return StringField(*page, "next_cursor");
}

}  // namespace

int64_t JobTimes::StartUs() const {
  return handler_start_us > 0 ? handler_start_us : started_at_ms * 1000;
}

std::vector<JobTimes> ListJobs(HttpClient& client, const std::string& filter, size_t max_jobs) {
  std::vector<JobTimes> out;
  const std::string base = "/api/v1/jobs?limit=" + std::to_string(kPageSize) + "&" + filter;
  std::string cursor;
  // Bounded by pages as well as by the cursor, so a server that never ends a list cannot hang us.
  for (size_t pages = 0; pages <= max_jobs / kPageSize && out.size() < max_jobs; ++pages) {
    cursor = ReadPage(client, cursor.empty() ? base : base + "&cursor=" + cursor, out);
    if (cursor.empty()) break;
  }
  if (out.size() > max_jobs) out.resize(max_jobs);
  return out;
}

void ReportLateness(BenchContext& ctx, const std::string& what, std::vector<int32_t>& lateness_us,
                    const std::string& ceiling) {
  if (lateness_us.empty()) {
    ctx.Report({what, "no job started", "", ceiling});
    return;
  }
  const double max = *std::max_element(lateness_us.begin(), lateness_us.end());
  ctx.Report({what + " p50", FormatMicros(Percentile(lateness_us, 50)), "", ceiling});
  ctx.Report({what + " p99", FormatMicros(Percentile(lateness_us, 99)), "", ceiling});
  ctx.Report({what + " max", FormatMicros(max), "", ceiling});
}

void SleepInterruptibly(double seconds) {
  using std::chrono::steady_clock;
  const auto end = steady_clock::now() + std::chrono::duration_cast<steady_clock::duration>(
                                             std::chrono::duration<double>(seconds));
  while (steady_clock::now() < end) {
    ThrowIfInterrupted();
    std::this_thread::sleep_for(std::min<steady_clock::duration>(std::chrono::milliseconds(100),
                                                                 end - steady_clock::now()));
  }
}

}  // namespace conveyor::bench
