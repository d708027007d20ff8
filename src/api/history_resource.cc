#include "api/history_resource.h"

#include <charconv>
#include <vector>

#include "api/json_writer.h"
#include "api/problem.h"
#include "api/query_params.h"
#include "api/request_context.h"
#include "core/clock.h"
#include "observability/job_history.h"

namespace conveyor::api {
namespace {

using observability::JobEventKind;
using observability::JobHistory;

constexpr int kDefaultMinutes = 60;

std::optional<ApiError> ParseMinutes(std::string_view query, int* minutes) {
  std::vector<QueryPair> pairs;
  if (auto e = ParseQueryPairs(query, &pairs)) return e;
  for (const auto& [key, v] : pairs) {
    if (key != "minutes") continue;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *minutes);
    if (ec != std::errc() || end != v.data() + v.size() || *minutes < 1 ||
        *minutes > JobHistory::kMinutes) {
      return ApiError{ErrorKind::kInvalidField,
                      "minutes must be an integer from 1 to " +
                          std::to_string(JobHistory::kMinutes) + " (24 hours)"};
    }
  }
  return std::nullopt;
}

int64_t CountOf(const JobHistory::Bucket& b, JobEventKind kind) {
  return b.counts[static_cast<size_t>(kind)];
}

void History(RequestContext& ctx) {
  int minutes = kDefaultMinutes;
  if (auto e = ParseMinutes(ctx.query, &minutes)) return ctx.Fail(*e);
  const auto buckets = JobHistory::Global().Read(minutes, SystemClock::Default()->NowMs());
  JsonWriter w(&ctx.response.body);
  w.BeginObject()
      .Key("minute_ms").Int(JobHistory::kMinuteMs)
      .Key("scope").String("node")
      .Key("buckets").BeginArray();
  for (const JobHistory::Bucket& b : buckets) {
    w.BeginObject()
        .Key("at").Int(b.at)
        .Key("created").Int(CountOf(b, JobEventKind::kSubmitted))
        .Key("started").Int(CountOf(b, JobEventKind::kStarted))
        .Key("succeeded").Int(CountOf(b, JobEventKind::kSucceeded))
        .Key("failed").Int(CountOf(b, JobEventKind::kFailed))
        .Key("retried").Int(CountOf(b, JobEventKind::kRetrying))
        .Key("cancelled").Int(CountOf(b, JobEventKind::kCancelled))
        .Key("expired").Int(CountOf(b, JobEventKind::kExpired))
        .EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace

void RegisterHistoryRoutes(Router& router) {
  router.Add(boost::beast::http::verb::get, "/stats/history",
             {.sync = &History, .access = Access::kAdmin});
}

}  // namespace conveyor::api
