#include "api/schedules_resource.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "api/job_json.h"
#include "api/json_writer.h"
#include "api/query_params.h"
#include "api/request_context.h"
#include "api/schedule_request.h"
#include "api/store_awaitable.h"
#include "api/submit_request.h"
#include "core/clock.h"
#include "runtime/job_service.h"
#include "runtime/schedule/schedule_service.h"
#include "runtime/schedule/zoned_cron.h"

namespace conveyor::api {
namespace {

using boost::asio::awaitable;
using boost::asio::use_awaitable;

constexpr int kPreviewRuns = 5;

// A schedule and, for one schedule's answer, its next ticks (computed on the helper thread).
struct Answer {
  Schedule schedule;
  std::vector<TimeMs> next_runs;
  std::vector<std::string> next_runs_local;
};

bool Served(RequestContext& ctx) {
  if (ctx.schedules != nullptr) return true;
  ctx.Fail({ErrorKind::kUnavailable, "this node does not serve schedules"});
  return false;
}

bool RequireJson(RequestContext& ctx) {
  const auto type = ctx.request[boost::beast::http::field::content_type];
  if (IsJsonContentType({type.data(), type.size()})) return true;
  ctx.Fail({ErrorKind::kUnsupportedMediaType,
            "send the schedule as JSON with the header Content-Type: application/json"});
  return false;
}

ApiError ErrorOf(const Status& s) {
  // The table's limit is a conflict with what is stored, not a rate: 409, not 429.
  if (s.code() == StatusCode::kResourceExhausted) return {ErrorKind::kConflict, s.message()};
  return ErrorFromStatus(s);
}

Result<Answer> WithPreview(Result<Schedule> s) {
  if (!s.ok()) return s.status();
  Answer a{.schedule = *std::move(s)};
  Result<ZonedCron> z = ZonedCron::Make(a.schedule.cron, a.schedule.timezone);
  if (!z.ok()) return a;  // a zone the system lost: the schedule shows, without a preview
  std::optional<TimeMs> t = SystemClock::Default()->NowMs();
  for (int i = 0; i < kPreviewRuns && (t = z->NextAfter(*t)); ++i) {
    a.next_runs.push_back(*t);
    a.next_runs_local.push_back(z->FormatLocal(*t));
  }
  return a;
}

void WriteSchedule(JsonWriter& w, const Schedule& s, const Answer* preview = nullptr) {
  w.BeginObject()
      .Key("name").String(s.name)
      .Key("cron").String(s.cron)
      .Key("timezone").String(s.timezone)
      .Key("job").JsonText(s.job)
      .Key("paused").Bool(s.paused)
      .Key("catch_up").String(s.catch_up)
      .Key("next_run_at").OptTime(s.next_run_at)
      .Key("last_run_at").OptTime(s.last_run_at)
      .Key("created_at").Time(s.created_at)
      .Key("updated_at").Time(s.updated_at);
  if (preview != nullptr) {
    w.Key("next_runs").BeginArray();
    for (size_t i = 0; i < preview->next_runs.size(); ++i) {
      w.BeginObject()
          .Key("at").Time(preview->next_runs[i])
          .Key("local").String(preview->next_runs_local[i])
          .EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void WriteAnswer(RequestContext& ctx, const Result<Answer>& a) {
  if (!a.ok()) return ctx.Fail(ErrorOf(a.status()));
  JsonWriter w(&ctx.response.body);
  WriteSchedule(w, a->schedule, &*a);
}

awaitable<void> Create(RequestContext& ctx) {
  if (!Served(ctx) || !RequireJson(ctx)) co_return;
  ScheduleDraft draft;
  if (auto e = ParseScheduleCreate(ctx.request.body(), &draft)) co_return ctx.Fail(*e);
  ScheduleService& svc = *ctx.schedules;
  const Result<Answer> a = co_await AsyncStoreCall<Result<Answer>>(
      ctx.leases, [&] { return WithPreview(svc.Create(draft)); }, use_awaitable);
  if (a.ok()) {
    ctx.response.status = 201;
    ctx.response.location = "/api/v1/schedules/" + a->schedule.name;
  }
  WriteAnswer(ctx, a);
}

awaitable<void> GetOne(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  ScheduleService& svc = *ctx.schedules;
  const std::string name(ctx.params[0]);
  const Result<Answer> a = co_await AsyncStoreCall<Result<Answer>>(
      ctx.leases, [&] { return WithPreview(svc.Get(name)); }, use_awaitable);
  WriteAnswer(ctx, a);
}

awaitable<void> Patch(RequestContext& ctx) {
  if (!Served(ctx) || !RequireJson(ctx)) co_return;
  const std::string name(ctx.params[0]);
  ScheduleChanges changes;
  if (auto e = ParseScheduleChanges(ctx.request.body(), name, &changes)) co_return ctx.Fail(*e);
  ScheduleService& svc = *ctx.schedules;
  const Result<Answer> a = co_await AsyncStoreCall<Result<Answer>>(
      ctx.leases, [&] { return WithPreview(svc.Update(name, changes)); }, use_awaitable);
  WriteAnswer(ctx, a);
}

awaitable<void> Delete(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  ScheduleService& svc = *ctx.schedules;
  const std::string name(ctx.params[0]);
  const Status s = co_await AsyncStoreCall<Status>(
      ctx.leases, [&] { return svc.Delete(name); }, use_awaitable);
  if (!s.ok()) co_return ctx.Fail(ErrorOf(s));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("name").String(name).Key("deleted").Bool(true).EndObject();
}

// POST /schedules/{name}/run ("run now"): one job from the template at once, paused or not. It
// is not a tick: no tick key and the schedule's next run is unchanged, so each call is a new job
// unless the request carries an Idempotency-Key (then a retried click finds the same job).
awaitable<void> RunNow(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  const std::string name(ctx.params[0]);
  const auto header = ctx.request["Idempotency-Key"];
  const std::string key(header.data(), header.size());
  const std::string correlation_id(ctx.correlation_id);
  ScheduleService& svc = *ctx.schedules;
  JobService& jobs = ctx.jobs;
  const Result<InsertOutcome> made = co_await AsyncStoreCall<Result<InsertOutcome>>(
      ctx.leases,
      [&]() -> Result<InsertOutcome> {
        Result<Schedule> s = svc.Get(name);
        if (!s.ok()) return s.status();
        Result<JobSpec> spec = ParseScheduleJob(s->job);
        if (!spec.ok()) return spec.status();
        if (!key.empty()) spec->idempotency_key = key;
        if (!correlation_id.empty()) spec->correlation_id = correlation_id;
        std::vector<JobSpec> specs;
        specs.push_back(*std::move(spec));
        Result<std::vector<InsertOutcome>> r = jobs.Submit(std::move(specs));
        if (!r.ok()) return r.status();
        return std::move(r->front());
      },
      use_awaitable);
  if (!made.ok()) co_return ctx.Fail(ErrorOf(made.status()));
  ctx.response.status = made->is_new ? 201 : 200;
  ctx.response.location = "/api/v1/jobs/" + made->job.id;
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("schedule").String(name).Key("is_new").Bool(made->is_new).Key("job");
  WriteJob(w, made->job, made->job.dialect);
  w.EndObject();
}

// ?limit=1..1000 (default 100) & cursor=<the last name of the previous page>.
std::optional<ApiError> ParseQuery(std::string_view query, ScheduleListParams* p) {
  std::vector<QueryPair> pairs;
  if (auto e = ParseQueryPairs(query, &pairs)) return e;
  for (const auto& [key, value] : pairs) {
    if (key == "limit") {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), p->limit);
      if (ec != std::errc() || end != value.data() + value.size() || p->limit < 1 ||
          p->limit > 1000) {
        return ApiError{ErrorKind::kInvalidField, "limit must be an integer from 1 to 1000"};
      }
    } else if (key == "cursor") {
      p->after = value;
    }
  }
  return std::nullopt;
}

awaitable<void> List(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  ScheduleListParams p;
  if (auto e = ParseQuery(ctx.query, &p)) co_return ctx.Fail(*e);
  ScheduleService& svc = *ctx.schedules;
  const auto page = co_await AsyncStoreCall<Result<std::vector<Schedule>>>(
      ctx.leases, [&] { return svc.List(p); }, use_awaitable);
  if (!page.ok()) co_return ctx.Fail(ErrorOf(page.status()));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("schedules").BeginArray();
  for (const Schedule& s : *page) WriteSchedule(w, s);
  std::optional<std::string> next;
  if (static_cast<int>(page->size()) == p.limit) next = page->back().name;
  w.EndArray().Key("next_cursor").OptString(next).EndObject();
}

}  // namespace

void RegisterScheduleRoutes(Router& router) {
  using boost::beast::http::verb;
  router.Add(verb::post, "/schedules", {.async = &Create, .access = Access::kAdmin});
  router.Add(verb::get, "/schedules", {.async = &List, .access = Access::kAdmin});
  router.Add(verb::get, "/schedules/{name}", {.async = &GetOne, .access = Access::kAdmin});
  router.Add(verb::patch, "/schedules/{name}", {.async = &Patch, .access = Access::kAdmin});
  router.Add(verb::delete_, "/schedules/{name}", {.async = &Delete, .access = Access::kAdmin});
  router.Add(verb::post, "/schedules/{name}/run", {.async = &RunNow, .access = Access::kAdmin});
}

}  // namespace conveyor::api
