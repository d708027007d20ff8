#include "api/leases_resource.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <vector>

#include "api/json_writer.h"
#include "api/request_context.h"
#include "runtime/auth/key_ring.h"
#include "api/store_awaitable.h"
#include "core/trace_context.h"
#include "api/worker_routes_body.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using SteadyClock = std::chrono::steady_clock;
using ClaimResult = Result<std::vector<Job>>;

// One long poll's sleep. Touched only on the session's strand: the wake-up callback posts there.
struct LeaseWait {
  explicit LeaseWait(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool woken = false;  // a wake-up came since the last claim
};

// Registers the wait with ExternalLeases, for the jobs this poll can take, for as long as the
// long poll lasts: only submits of such jobs wake it.
class WatchGuard {
 public:
  WatchGuard(ExternalLeases& leases, const LeaseRequest& request,
             const std::shared_ptr<LeaseWait>& wait)
      : leases_(leases) {
    id_ = leases.Watch(request, [weak = std::weak_ptr<LeaseWait>(wait)] {
      auto w = weak.lock();
      if (!w) return;
      asio::post(w->timer.get_executor(), [w] {
        w->woken = true;
        w->timer.cancel();
      });
    });
  }
  ~WatchGuard() { leases_.Unwatch(id_); }
  uint64_t id() const { return id_; }
  WatchGuard(const WatchGuard&) = delete;
  WatchGuard& operator=(const WatchGuard&) = delete;

 private:
  ExternalLeases& leases_;
  uint64_t id_ = 0;
};

awaitable<ClaimResult> ClaimUntilDeadline(ExternalLeases& leases, const LeaseBody& body) {
  auto shared_wait = std::make_shared<LeaseWait>(co_await asio::this_coro::executor);
  LeaseWait& wait = *shared_wait;
  const LeaseRequest& request = body.request;
  // Registered before the first look at the store, so a job committed after that look is
  // announced to this poll (or found by its re-check), never missed in between.
  WatchGuard guard(leases, request, shared_wait);
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(body.wait_ms);
  for (;;) {
    wait.woken = false;
    leases.Looking(guard.id());
    ClaimResult jobs = co_await AsyncStoreCall<ClaimResult>(
        leases, [&leases, &request] { return leases.Claim(request); }, asio::use_awaitable);
    const auto now = SteadyClock::now();
    if (!jobs.ok() || !jobs->empty() || now >= deadline || leases.IsShutdown()) co_return jobs;
    if (wait.woken) continue;  // jobs arrived while we were claiming
    wait.timer.expires_at(std::min(deadline, now + kLeaseRecheck));
    co_await wait.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    // Shutting down: answer without leasing more, so no job is handed to an answer that may
    // never be written.
    if (leases.IsShutdown()) co_return std::vector<Job>{};
  }
}

void WriteLeasedJob(JsonWriter& w, const Job& job) {
  // The job's trace with a span for this hand-over: the worker's calls are its children.
  std::optional<std::string> trace;
  if (std::string t = ChildTraceParent(JobTraceParent(job.traceparent, job.id)); !t.empty()) {
    trace = std::move(t);
  }
  w.BeginObject()
      .Key("id").String(job.id)
      .Key("type").String(job.type)
      .Key("queue").String(job.queue)
      .Key("payload").JsonText(job.payload)
      .Key("priority").Int(job.priority)
      .Key("attempt").Int(job.attempt)
      .Key("max_attempts").Int(job.max_attempts)
      .Key("timeout_s").Int(job.timeout_s)
      .Key("lease_token").String(job.lease ? job.lease->token : "")
      .Key("lease_expires_at").OptTime(job.lease ? std::optional(job.lease->expires_at) : std::nullopt)
      .Key("correlation_id").OptString(job.correlation_id)
      .Key("traceparent").OptString(trace)
      .Key("created_at").Time(job.created_at)
      .Key("tags").BeginArray();
  for (const std::string& tag : job.tags) w.String(tag);
  w.EndArray().EndObject();
}

// A worker key limited to some job types (runtime/auth/scopes.h) leases only those, and must
// name them: "any type" would include the built-ins and other teams' types.
std::optional<ApiError> CheckTypesAllowed(const auth::Principal* principal,
                                          const std::vector<std::string>& types) {
  if (principal == nullptr || principal->job_types.empty()) return std::nullopt;
  const std::string allowed = principal->job_types.ToString();
  if (types.empty()) {
    return ApiError{ErrorKind::kForbidden, "this worker key may lease only " + allowed +
                                               "; list them in \"types\""};
  }
  for (const std::string& type : types) {
    if (!principal->job_types.Allows(type)) {
      return ApiError{ErrorKind::kForbidden, "this worker key may not lease type \"" + type +
                                                 "\"; it may lease only " + allowed};
    }
  }
  return std::nullopt;
}

awaitable<void> Lease(RequestContext& ctx) {
  if (!RequireJsonBody(ctx)) co_return;
  LeaseBody body;
  if (auto e = ParseLeaseBody(ctx.request.body(), ctx.leases.default_lease_ms(), &body)) {
    ctx.Fail(*e);
    co_return;
  }
  if (auto e = CheckTypesAllowed(ctx.principal, body.request.types)) {
    ctx.Fail(*e);
    co_return;
  }
  // A worker asking for a type serves it: from now on this node accepts jobs of it.
  ctx.leases.types().Learn(body.request.types);
  const ClaimResult jobs = co_await ClaimUntilDeadline(ctx.leases, body);
  if (!jobs.ok()) {
    ctx.Fail(ErrorFromStatus(jobs.status()));
    co_return;
  }
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("jobs").BeginArray();
  for (const Job& job : *jobs) WriteLeasedJob(w, job);
  w.EndArray().EndObject();
}

}  // namespace

void RegisterLeaseRoutes(Router& router) {
  router.Add(boost::beast::http::verb::post, "/leases", {.async = &Lease, .access = Access::kWorkers});
}

}  // namespace conveyor::api
