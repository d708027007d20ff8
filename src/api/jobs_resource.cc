#include "api/jobs_resource.h"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <optional>
#include <string>

#include "api/auth_check.h"
#include "api/job_json.h"
#include "api/list_request.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "api/submit_request.h"
#include "api/tenant_scope.h"
#include "core/ids.h"
#include "core/trace_context.h"
#include "runtime/job_service.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;
using boost::asio::awaitable;

constexpr size_t kMaxEchoedId = 64;
constexpr int kListChunkRows = 50;

std::string_view Header(const RequestContext& ctx, std::string_view name) {
  const auto v = ctx.request[name];
  return {v.data(), v.size()};
}

bool RequireJson(RequestContext& ctx) {
  const auto type = ctx.request[http::field::content_type];
  if (IsJsonContentType({type.data(), type.size()})) return true;
  ctx.Fail({ErrorKind::kUnsupportedMediaType,
            "send the job as JSON with the header Content-Type: application/json"});
  return false;
}

RequestTrace TraceOf(const RequestContext& ctx) {
  return TraceOfRequest(Header(ctx, "traceparent"), ctx.request.count("traceparent"),
                        Header(ctx, "tracestate"));
}

SubmitHeaders HeadersOf(const RequestContext& ctx, const RequestTrace& trace) {
  return {.idempotency_key = Header(ctx, "Idempotency-Key"),
          .correlation_id = ctx.correlation_id,
          .dialect = ctx.dialect,
          .default_dialect = ctx.default_dialect,
          .under_api_prefix = ctx.under_api_prefix,
          .traceparent = trace.traceparent,
          .tracestate = trace.tracestate};
}

// The {id} path parameter, or a 400 when it cannot be a job id.
bool JobId(RequestContext& ctx, std::string* id) {
  const std::string_view raw = ctx.params[0];
  if (IsValidUuid(raw)) {
    id->assign(raw);
    return true;
  }
  std::string detail = "job id must be a UUID such as 0192f0c1-8d3c-7abc-9def-0123456789ab; got \"";
  detail.append(raw.substr(0, kMaxEchoedId)).append(raw.size() > kMaxEchoedId ? "…\"" : "\"");
  ctx.Fail({ErrorKind::kMalformed, std::move(detail)});
  return false;
}

template <class T>
bool Check(RequestContext& ctx, const Result<T>& result) {
  if (result.ok()) return true;
  ctx.Fail(ErrorFromStatus(result.status()));
  return false;
}

void WriteOneJob(RequestContext& ctx, const Job& job) {
  JsonWriter w(&ctx.response.body);
  const std::optional<WaitingReason> waiting = ctx.jobs.WaitingReasonOf(job);
  WriteJob(w, job, ctx.AnswerDialect(job), nullptr, &waiting);
}

// The key's jobs-per-window limit (api/auth_check.h): false after answering 429.
bool ChargeJobs(RequestContext& ctx, int64_t jobs) {
  auto limited = ChargeKey(ctx.limiter, ctx.principal, ApiKeyUsageKind::kJobs, jobs, &ctx.response);
  if (!limited) return true;
  ctx.Fail(*limited);
  return false;
}

awaitable<void> Submit(RequestContext& ctx) {
  if (!RequireJson(ctx)) co_return;
  std::vector<JobSpec> specs;
  CreateAnswer answer;
  const RequestTrace trace = TraceOf(ctx);
  if (auto e = ParseSubmitBody(ctx.request.body(), HeadersOf(ctx, trace), &specs,
                               &answer.warnings)) {
    ctx.Fail(*e);
    co_return;
  }
  if (auto e = ScopeSubmit(ctx.principal, &specs)) co_return ctx.Fail(*e);
  if (!ChargeJobs(ctx, static_cast<int64_t>(specs.size()))) co_return;
  const SubmitResult result =
      co_await AsyncSubmit(ctx.jobs, std::move(specs), boost::asio::use_awaitable);
  if (!Check(ctx, result)) co_return;
  const InsertOutcome& outcome = result.value().front();
  const Dialect dialect = ctx.AnswerDialect(outcome.job);
  answer.is_new = outcome.is_new;
  ctx.response.status = outcome.is_new ? RulesOf(dialect).created_status : 200;
  if (outcome.is_new) ctx.response.location = "/api/v1/jobs/" + outcome.job.id;
  if (outcome.job.idempotency_key) ctx.response.idempotency_key = *outcome.job.idempotency_key;
  // The job's trace (a replay's is the first submit's) with a span of this answer's own.
  ctx.response.traceparent =
      ChildTraceParent(JobTraceParent(outcome.job.traceparent, outcome.job.id));
  JsonWriter w(&ctx.response.body);
  WriteJob(w, outcome.job, dialect, &answer);
}

awaitable<void> SubmitBatch(RequestContext& ctx) {
  if (!RequireJson(ctx)) co_return;
  std::vector<JobSpec> specs;
  const RequestTrace trace = TraceOf(ctx);
  if (auto e = ParseBatchBody(ctx.request.body(), HeadersOf(ctx, trace), &specs)) {
    ctx.Fail(*e);
    co_return;
  }
  if (auto e = ScopeSubmit(ctx.principal, &specs)) co_return ctx.Fail(*e);
  if (!ChargeJobs(ctx, static_cast<int64_t>(specs.size()))) co_return;
  const SubmitResult result =
      co_await AsyncSubmit(ctx.jobs, std::move(specs), boost::asio::use_awaitable);
  if (!Check(ctx, result)) co_return;
  ctx.response.status = 201;
  // Without a trace sent, each job started its own: the answer is of none of them.
  ctx.response.traceparent = ChildTraceParent(trace.traceparent);
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("jobs").BeginArray();
  for (const auto& outcome : result.value()) {
    const CreateAnswer answer{.is_new = outcome.is_new};
    WriteJob(w, outcome.job, ctx.AnswerDialect(outcome.job), &answer);
  }
  w.EndArray().EndObject();
}

void Get(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto job = ctx.jobs.Get(id);
  if (Check(ctx, job)) WriteOneJob(ctx, *job);
}

void GetStatus(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto job = ctx.jobs.Get(id);
  if (Check(ctx, job)) AppendJobStatusJson(*job, ctx.AnswerDialect(*job), &ctx.response.body);
}

void GetResult(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto job = ctx.jobs.Get(id);
  if (Check(ctx, job)) AppendJobResultJson(*job, ctx.AnswerDialect(*job), &ctx.response.body);
}

void GetEvents(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto events = ctx.jobs.Events(id);
  if (!Check(ctx, events)) return;
  // The states are named in the job's dialect, which takes a read of the job when the request
  // named none.
  Dialect dialect = ctx.dialect.value_or(Dialect::kSucceeded);
  if (!ctx.dialect) {
    const auto job = ctx.jobs.Get(id);
    if (!Check(ctx, job)) return;
    dialect = job->dialect;
  }
  AppendJobEventsJson(id, *events, dialect, &ctx.response.body);
}

// Reads up to params.limit jobs in chunks of kListChunkRows, and stops early once the answer
// holds kMaxListPageBytes: large payloads cannot make one answer (or the rows held to build
// it) hundreds of MB and stall the I/O thread. next_cursor continues where the page stopped.
void List(RequestContext& ctx) {
  JobListParams params;
  // Filter words are read in the request's dialect, else the server's default (each job is still
  // shown in its own).
  const Dialect words = ctx.dialect.value_or(ctx.default_dialect);
  if (auto e = ParseListQuery(ctx.query, &params, words)) return ctx.Fail(*e);
  ScopeList(ctx.principal, &params);
  JobListParams chunk = params;
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("jobs").BeginArray();
  std::optional<std::string> next;
  bool clipped = false;
  for (int written = 0; written < params.limit && !clipped;) {
    chunk.limit = std::min(kListChunkRows, params.limit - written);
    const auto page = ctx.jobs.List(chunk);
    if (!page.ok()) {
      ctx.response.Reset();
      return ctx.Fail(ErrorFromStatus(page.status()));
    }
    for (const Job& job : page->jobs) {
      const std::optional<WaitingReason> waiting = ctx.jobs.WaitingReasonOf(job);
      WriteJob(w, job, ctx.AnswerDialect(job), nullptr, &waiting);
      ++written;
      if (ctx.response.body.size() >= kMaxListPageBytes && written < params.limit) {
        next = job.id;  // "older than this job": the rest of the chunk comes next time
        clipped = true;
        break;
      }
    }
    if (clipped) break;
    next = page->next_cursor;
    if (!next) break;
    chunk.cursor = next;
    chunk.offset = 0;  // the cursor already skips what the offset skipped
  }
  w.EndArray().Key("next_cursor").OptString(next).Key("limit").Int(params.limit);
  w.EndObject();
}

void Cancel(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto job = ctx.jobs.Cancel(id);
  if (Check(ctx, job)) WriteOneJob(ctx, *job);
}

void Retry(RequestContext& ctx) {
  std::string id;
  if (!JobId(ctx, &id)) return;
  const auto job = ctx.jobs.Retry(id);
  if (Check(ctx, job)) WriteOneJob(ctx, *job);
}

}  // namespace

void RegisterJobRoutes(Router& router) {
  using http::verb;
  // Literal routes first: the first pattern matching a path decides (router.h).
  router.Add(verb::post, "/jobs/batch", {.async = &SubmitBatch, .access = Access::kJobsSubmit});
  router.Add(verb::post, "/jobs", {.async = &Submit, .access = Access::kJobsSubmit});
  router.Add(verb::get, "/jobs", {.sync = &List, .access = Access::kJobsRead});
  router.Add(verb::get, "/jobs/{id}", {.sync = &Get, .access = Access::kJobsRead});
  router.Add(verb::delete_, "/jobs/{id}", {.sync = &Cancel, .access = Access::kJobsManage});
  router.Add(verb::get, "/jobs/{id}/status", {.sync = &GetStatus, .access = Access::kJobsRead});
  router.Add(verb::get, "/jobs/{id}/result", {.sync = &GetResult, .access = Access::kJobsRead});
  router.Add(verb::get, "/jobs/{id}/events", {.sync = &GetEvents, .access = Access::kJobsRead});
  router.Add(verb::post, "/jobs/{id}/retry", {.sync = &Retry, .access = Access::kJobsManage});
}

}  // namespace conveyor::api
