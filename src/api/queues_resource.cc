#include "api/queues_resource.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/json_writer.h"
#include "api/queue_request.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "core/clock.h"
#include "runtime/job_service.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;
using boost::asio::awaitable;

void WriteRate(JsonWriter& w, const std::optional<RateLimit>& r) {
  if (!r) {
    w.Null();
    return;
  }
  w.BeginObject()
      .Key("rate").String(RateText(*r))
      .Key("max_starts").Int(r->max_starts)
      .Key("period_ms").Int(r->period_ms)
      .EndObject();
}

void WriteOptInt(JsonWriter& w, const std::optional<int>& v) {
  if (v) {
    w.Int(*v);
  } else {
    w.Null();
  }
}

// Only the states the queue sets: the rest follow the server's --retain-* ages.
void WriteRetention(JsonWriter& w, const QueueRetention& r) {
  w.BeginObject();
  for (const auto& [key, age] : {std::pair{"succeeded", r.succeeded_ms},
                                 std::pair{"failed", r.failed_ms},
                                 std::pair{"cancelled", r.cancelled_ms},
                                 std::pair{"expired", r.expired_ms}}) {
    if (age) w.Key(key).String(RetentionAgeText(*age));
  }
  w.EndObject();
}

void WriteSettings(JsonWriter& w, const QueueSettings& q) {
  w.Key("name").String(q.name)
      .Key("weight").Int(q.weight)
      .Key("concurrency_limit");
  WriteOptInt(w, q.concurrency_limit);
  w.Key("paused").Bool(q.paused).Key("max_attempts");
  WriteOptInt(w, q.max_attempts);
  w.Key("timeout_s");
  WriteOptInt(w, q.timeout_s);
  w.Key("rate_limit");
  WriteRate(w, q.rate_limit);
  w.Key("retention");
  WriteRetention(w, q.retention);
  w.Key("updated_at").Time(q.updated_at);
}

int64_t Count(const QueueStats& s, JobState state) {
  auto it = s.by_state.find(state);
  return it == s.by_state.end() ? 0 : it->second;
}

void WriteView(JsonWriter& w, const QueueView& v, TimeMs now) {
  w.BeginObject();
  WriteSettings(w, v.settings);
  w.Key("depth").BeginObject();
  for (JobState s : {JobState::kScheduled, JobState::kPending, JobState::kRetrying,
                     JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                     JobState::kCancelled, JobState::kExpired}) {
    std::string key(ToString(s));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    w.Key(key).Int(Count(v.stats, s));
  }
  w.EndObject();
  w.Key("running").Int(Count(v.stats, JobState::kRunning));
  w.Key("oldest_waiting_age_s");
  if (v.stats.oldest_waiting_run_at && *v.stats.oldest_waiting_run_at <= now) {
    w.Number(static_cast<double>(now - *v.stats.oldest_waiting_run_at) / 1000.0);
  } else {
    w.Null();
  }
  w.Key("throughput_per_minute").Int(v.stats.finished_last_minute);
  w.EndObject();
}

// Runs `fn` on a helper thread; fails the request with its status when it is not OK.
template <class T, class Fn>
awaitable<std::optional<T>> OffIo(RequestContext& ctx, const Fn& fn) {
  Result<T> r = co_await AsyncStoreCall<Result<T>>(ctx.leases, fn, boost::asio::use_awaitable);
  if (!r.ok()) {
    ctx.Fail(ErrorFromStatus(r.status()));
    co_return std::nullopt;
  }
  co_return std::move(*r);
}

awaitable<void> List(RequestContext& ctx) {
  QueueService& queues = ctx.jobs.queues();
  auto work = [&queues] { return queues.List(); };
  auto views = co_await OffIo<std::vector<QueueView>>(ctx, work);
  if (!views) co_return;
  const TimeMs now = SystemClock::Default()->NowMs();
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("queues").BeginArray();
  for (const QueueView& v : *views) WriteView(w, v, now);
  w.EndArray().EndObject();
}

awaitable<void> GetOne(RequestContext& ctx) {
  std::optional<std::string> name = QueueNameParam(ctx.params[0]);
  if (!name) co_return ctx.Fail({ErrorKind::kMalformed, QueueNameRule()});
  QueueService& queues = ctx.jobs.queues();
  auto work = [&queues] { return queues.List(); };
  auto views = co_await OffIo<std::vector<QueueView>>(ctx, work);
  if (!views) co_return;
  for (const QueueView& v : *views) {
    if (v.settings.name != *name) continue;
    JsonWriter w(&ctx.response.body);
    WriteView(w, v, SystemClock::Default()->NowMs());
    co_return;
  }
  ctx.Fail({ErrorKind::kNotFound, "no queue named '" + *name +
                                      "'; a queue is made by its first job or by PATCH"});
}

// g++ 12 destroys a temporary with a destructor in a co_await's full-expression twice (ASan
// saw it): every struct, shared pointer and capturing lambda given to a coroutine here is a
// named local first, and the change is passed by reference to the caller's local.
awaitable<void> Change(RequestContext& ctx, const std::shared_ptr<const QueuePatchParams>& patch) {
  QueueService& queues = ctx.jobs.queues();
  auto work = [&queues, patch] { return queues.Patch(*patch); };
  auto q = co_await OffIo<QueueSettings>(ctx, work);
  if (!q) co_return;
  JsonWriter w(&ctx.response.body);
  w.BeginObject();
  WriteSettings(w, *q);
  w.EndObject();
}

awaitable<void> Patch(RequestContext& ctx) {
  auto parsed = std::make_shared<QueuePatchParams>();
  if (auto e = ParseQueuePatch(ctx.params[0], ctx.request.body(), parsed.get())) {
    co_return ctx.Fail(*e);
  }
  const std::shared_ptr<const QueuePatchParams> patch = std::move(parsed);
  co_await Change(ctx, patch);
}

awaitable<void> SetPaused(RequestContext& ctx, bool paused) {
  std::optional<std::string> name = QueueNameParam(ctx.params[0]);
  if (!name) co_return ctx.Fail({ErrorKind::kMalformed, QueueNameRule()});
  const auto patch = std::make_shared<const QueuePatchParams>(
      QueuePatchParams{.name = *name, .paused = paused});
  co_await Change(ctx, patch);
}
awaitable<void> Pause(RequestContext& ctx) { return SetPaused(ctx, true); }
awaitable<void> Resume(RequestContext& ctx) { return SetPaused(ctx, false); }

awaitable<void> ListRates(RequestContext& ctx) {
  QueueService& queues = ctx.jobs.queues();
  auto work = [&queues] { return queues.RateLimits(); };
  auto rows = co_await OffIo<std::vector<RateLimitRow>>(ctx, work);
  if (!rows) co_return;
  const TimeMs now = SystemClock::Default()->NowMs();
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("rate_limits").BeginArray();
  for (const RateLimitRow& r : *rows) {
    w.BeginObject()
        .Key("kind").String(RateLimitKindName(r.kind))
        .Key("name").String(r.name)
        .Key("rate").String(RateText(r.limit))
        .Key("max_starts").Int(r.limit.max_starts)
        .Key("period_ms").Int(r.limit.period_ms)
        .Key("remaining").Int(r.Budget(now))
        .Key("next_window_at").Time(r.NextWindow(now))
        .EndObject();
  }
  w.EndArray().EndObject();
}

awaitable<void> SetRate(RequestContext& ctx, std::optional<std::string_view> body) {
  auto shared = std::make_shared<RateLimitSetParams>(RateLimitSetParams{.kind = RateLimitKind::kType});
  const RateLimitSetParams& p = *shared;
  if (auto e = ParseTypeRate(ctx.params[0], body, shared.get())) co_return ctx.Fail(*e);
  QueueService& queues = ctx.jobs.queues();
  auto work = [&queues, shared]() -> Result<bool> {
    Status s = queues.SetRateLimit(*shared);
    if (!s.ok()) return s;
    return true;
  };
  auto done = co_await OffIo<bool>(ctx, work);
  if (!done) co_return;
  if (!p.limit) {
    ctx.response.status = 204;
    co_return;
  }
  JsonWriter w(&ctx.response.body);
  w.BeginObject()
      .Key("kind").String("type")
      .Key("name").String(p.name)
      .Key("rate").String(RateText(*p.limit))
      .EndObject();
}
awaitable<void> PutRate(RequestContext& ctx) {
  return SetRate(ctx, std::string_view(ctx.request.body()));
}
awaitable<void> DeleteRate(RequestContext& ctx) { return SetRate(ctx, std::nullopt); }

}  // namespace

void RegisterQueueRoutes(Router& router) {
  router.Add(http::verb::get, "/queues", {.async = &List, .access = Access::kAdmin});
  router.Add(http::verb::post, "/queues/{name}/pause", {.async = &Pause, .access = Access::kAdmin});
  router.Add(http::verb::post, "/queues/{name}/resume", {.async = &Resume, .access = Access::kAdmin});
  router.Add(http::verb::get, "/queues/{name}", {.async = &GetOne, .access = Access::kAdmin});
  router.Add(http::verb::patch, "/queues/{name}", {.async = &Patch, .access = Access::kAdmin});
  router.Add(http::verb::get, "/rate-limits", {.async = &ListRates, .access = Access::kAdmin});
  router.Add(http::verb::put, "/rate-limits/{type}", {.async = &PutRate, .access = Access::kAdmin});
  router.Add(http::verb::delete_, "/rate-limits/{type}", {.async = &DeleteRate, .access = Access::kAdmin});
}

}  // namespace conveyor::api
