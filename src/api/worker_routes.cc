#include "api/worker_routes.h"

#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <vector>

#include "api/job_json.h"
#include "api/json_writer.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "api/worker_routes_body.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {
namespace {

using boost::asio::awaitable;
using boost::asio::use_awaitable;

awaitable<void> Heartbeat(RequestContext& ctx) {
  ExternalHeartbeat beat;
  if (!JobIdParam(ctx, &beat.id) || !RequireJsonBody(ctx)) co_return;
  if (auto e = ParseHeartbeatBody(ctx.request.body(), &beat)) co_return ctx.Fail(*e);
  ExternalLeases& leases = ctx.leases;
  const auto answer = co_await AsyncStoreCall<Result<HeartbeatAnswer>>(
      leases, [&] { return leases.Heartbeat(beat); }, use_awaitable);
  if (!answer.ok()) co_return ctx.Fail(ErrorFromStatus(answer.status()));
  JsonWriter w(&ctx.response.body);
  w.BeginObject()
      .Key("id").String(beat.id)
      .Key("cancel_requested").Bool(answer->cancel_requested)
      .Key("lease_expires_at").Time(answer->lease_expires_at)
      .EndObject();
}

awaitable<void> Complete(RequestContext& ctx) {
  std::string id;
  if (!JobIdParam(ctx, &id) || !RequireJsonBody(ctx)) co_return;
  CompleteBody body;
  if (auto e = ParseCompleteBody(ctx.request.body(), &body)) co_return ctx.Fail(*e);
  ExternalLeases& leases = ctx.leases;
  const Status s = co_await AsyncStoreCall<Status>(
      leases, [&] { return leases.Complete(id, body.lease_token, std::move(body.result_json)); },
      use_awaitable);
  if (!s.ok()) co_return ctx.Fail(ErrorFromStatus(s));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("id").String(id).Key("status").String("SUCCEEDED").EndObject();
}

awaitable<void> Fail(RequestContext& ctx) {
  ExternalFailure failure;
  if (!JobIdParam(ctx, &failure.id) || !RequireJsonBody(ctx)) co_return;
  if (auto e = ParseFailBody(ctx.request.body(), &failure)) co_return ctx.Fail(*e);
  ExternalLeases& leases = ctx.leases;
  const auto job = co_await AsyncStoreCall<Result<Job>>(
      leases, [&] { return leases.Fail(failure); }, use_awaitable);
  if (!job.ok()) co_return ctx.Fail(ErrorFromStatus(job.status()));
  JsonWriter w(&ctx.response.body);
  WriteJob(w, *job);
}

void WriteOutcome(JsonWriter& w, const std::string& id, const Status& s) {
  w.BeginObject().Key("id").String(id);
  if (s.ok()) {
    w.Key("status").Int(200).EndObject();
    return;
  }
  const ApiError e = ErrorFromStatus(s);
  w.Key("status").Int(Describe(e.kind).status).Key("detail").String(e.detail).EndObject();
}

// Many completions in one store transaction; each item succeeds or fails on its own.
awaitable<void> CompleteMany(RequestContext& ctx) {
  if (!RequireJsonBody(ctx)) co_return;
  std::vector<JobCompletion> completions;
  if (auto e = ParseCompletionsBody(ctx.request.body(), &completions)) co_return ctx.Fail(*e);
  std::vector<std::string> ids;
  ids.reserve(completions.size());
  for (const JobCompletion& c : completions) ids.push_back(c.id);
  ExternalLeases& leases = ctx.leases;
  const auto outcomes = co_await AsyncStoreCall<Result<std::vector<Status>>>(
      leases, [&] { return leases.CompleteMany(std::move(completions)); }, use_awaitable);
  if (!outcomes.ok()) co_return ctx.Fail(ErrorFromStatus(outcomes.status()));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("results").BeginArray();
  for (size_t i = 0; i < ids.size(); ++i) WriteOutcome(w, ids[i], (*outcomes)[i]);
  w.EndArray().EndObject();
}

}  // namespace

void RegisterWorkerRoutes(Router& router) {
  using boost::beast::http::verb;
  router.Add(verb::post, "/jobs/{id}/heartbeat", {.async = &Heartbeat, .access = Access::kWorkers});
  router.Add(verb::post, "/jobs/{id}/complete", {.async = &Complete, .access = Access::kWorkers});
  router.Add(verb::post, "/jobs/{id}/fail", {.async = &Fail, .access = Access::kWorkers});
  router.Add(verb::post, "/completions", {.async = &CompleteMany, .access = Access::kWorkers});
}

}  // namespace conveyor::api
