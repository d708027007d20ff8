#include "api/bulk_resource.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/job_json.h"
#include "api/json_writer.h"
#include "api/problem.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "api/submit_request.h"
#include "api/tenant_scope.h"
#include "core/ids.h"
#include "runtime/job_service.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

// One request may touch at most this many jobs: each is one store transaction, run on the
// helper threads, so the bound keeps a request's work (and its answer) small.
constexpr size_t kMaxBulkIds = 1000;

enum class Action { kCancel, kRetry };

struct Outcome {
  std::string id;
  int status = 200;  // as the one-job route would answer
  std::string state;  // the job's state after the action, when it succeeded
  std::string detail;  // why not, when it did not
};

struct BulkRequest {
  Action action = Action::kCancel;
  std::vector<std::string> ids;
};

std::optional<ApiError> Parse(std::string_view body, BulkRequest* out) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec) return ApiError{ErrorKind::kMalformed, "the body is not valid JSON: " + ec.message()};
  const json::object* o = root.if_object();
  const json::value* action = o ? o->if_contains("action") : nullptr;
  const json::value* ids = o ? o->if_contains("ids") : nullptr;
  if (o == nullptr || action == nullptr || ids == nullptr) {
    return ApiError{ErrorKind::kInvalidField,
                    R"(send {"action": "cancel" or "retry", "ids": ["<job id>", ...]})"};
  }
  for (const auto& field : *o) {
    if (field.key() != "action" && field.key() != "ids") {
      return ApiError{ErrorKind::kInvalidField,
                      "unknown field \"" + std::string(field.key().substr(0, 64)) +
                          "\"; a bulk action takes only action and ids"};
    }
  }
  if (action->is_string() && action->get_string() == "cancel") {
    out->action = Action::kCancel;
  } else if (action->is_string() && action->get_string() == "retry") {
    out->action = Action::kRetry;
  } else {
    return ApiError{ErrorKind::kInvalidField, "action must be \"cancel\" or \"retry\""};
  }
  const json::array* list = ids->if_array();
  if (list == nullptr || list->empty() || list->size() > kMaxBulkIds) {
    return ApiError{ErrorKind::kInvalidField, "ids must be an array of 1 to " +
                                                  std::to_string(kMaxBulkIds) + " job ids"};
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json::value& v = (*list)[i];
    if (!v.is_string() || !IsValidUuid(v.get_string())) {
      return ApiError{ErrorKind::kInvalidField,
                      "ids[" + std::to_string(i) + "] must be a job id (a UUID)"};
    }
    out->ids.emplace_back(v.get_string());
  }
  return std::nullopt;
}

// Runs on a helper thread: each job as its own route would treat it, the tenant check included
// (another tenant's job is answered as a missing one).
std::vector<Outcome> Apply(const BulkRequest& req, JobService& jobs,
                           const auth::Principal* principal) {
  std::vector<Outcome> outcomes;
  outcomes.reserve(req.ids.size());
  for (const std::string& id : req.ids) {
    Outcome& o = outcomes.emplace_back(Outcome{.id = id});
    if (auto hidden = ScopeJobRoute(principal, jobs, id)) {
      o.status = static_cast<int>(Describe(hidden->kind).status);
      o.detail = hidden->detail;
      continue;
    }
    const Result<Job> job = req.action == Action::kCancel ? jobs.Cancel(id) : jobs.Retry(id);
    if (job.ok()) {
      o.state = std::string(ToString(job->state));
    } else {
      const ApiError e = ErrorFromStatus(job.status());
      o.status = static_cast<int>(Describe(e.kind).status);
      o.detail = e.detail;
    }
  }
  return outcomes;
}

awaitable<void> Bulk(RequestContext& ctx) {
  const auto type = ctx.request[boost::beast::http::field::content_type];
  if (!IsJsonContentType({type.data(), type.size()})) {
    co_return ctx.Fail({ErrorKind::kUnsupportedMediaType,
                        "send the action as JSON with the header Content-Type: application/json"});
  }
  BulkRequest req;
  if (auto e = Parse(ctx.request.body(), &req)) co_return ctx.Fail(*e);
  JobService& jobs = ctx.jobs;
  const auth::Principal* principal = ctx.principal;
  const std::vector<Outcome> outcomes = co_await AsyncStoreCall<std::vector<Outcome>>(
      ctx.leases, [&] { return Apply(req, jobs, principal); }, use_awaitable);
  int done = 0;
  JsonWriter w(&ctx.response.body);
  w.BeginObject()
      .Key("action").String(req.action == Action::kCancel ? "cancel" : "retry")
      .Key("results").BeginArray();
  for (const Outcome& o : outcomes) {
    w.BeginObject().Key("id").String(o.id).Key("status").Int(o.status);
    if (o.status == 200) {
      ++done;
      w.Key("state").String(o.state);
    } else {
      w.Key("detail").String(o.detail);
    }
    w.EndObject();
  }
  w.EndArray()
      .Key("done").Int(done)
      .Key("refused").Int(static_cast<int64_t>(outcomes.size()) - done)
      .EndObject();
}

}  // namespace

void RegisterBulkRoutes(Router& router) {
  router.Add(boost::beast::http::verb::post, "/jobs/bulk",
             {.async = &Bulk, .access = Access::kJobsManage});
}

}  // namespace conveyor::api
