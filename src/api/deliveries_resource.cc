#include "api/deliveries_resource.h"

#include <boost/beast/http/verb.hpp>
#include <charconv>

#include "api/json_writer.h"
#include "api/request_context.h"
#include "runtime/delivery_service.h"

namespace conveyor::api {
namespace {

void WriteAttempt(JsonWriter& w, const DeliveryAttempt& a) {
  w.BeginObject().Key("attempt").Int(a.attempt).Key("at").Time(a.at).Key("status_code");
  if (a.status_code) {
    w.Int(*a.status_code);
  } else {
    w.Null();
  }
  w.Key("error").String(a.error).Key("duration_ms").Int(a.duration_ms).EndObject();
}

void WriteOptInt(JsonWriter& w, const std::optional<int>& v) {
  if (v) {
    w.Int(*v);
  } else {
    w.Null();
  }
}

void WriteDelivery(JsonWriter& w, const WebhookDelivery& d) {
  const bool pending = d.state == DeliveryState::kPending;
  w.BeginObject().Key("job_id").String(d.job_id).Key("n").Int(d.n);
  w.Key("webhook_id").String(d.job_id + "." + std::to_string(d.n));
  w.Key("event").String(d.event).Key("url").String(d.url);
  w.Key("state").String(DeliveryStateName(d.state)).Key("attempts").Int(d.attempts);
  w.Key("next_attempt_at")
      .OptTime(pending ? std::optional<TimeMs>(d.next_attempt_at) : std::nullopt);
  w.Key("last_status");
  WriteOptInt(w, d.last_status);
  w.Key("last_error").OptString(d.last_error);
  w.Key("created_at").Time(d.created_at).Key("updated_at").Time(d.updated_at);
  w.Key("delivered_at").OptTime(d.delivered_at).Key("payload").OptJsonText(d.payload);
  w.Key("attempt_log").BeginArray();
  for (const DeliveryAttempt& a : d.attempt_log) WriteAttempt(w, a);
  w.EndArray().EndObject();
}

bool DeliveryNumber(RequestContext& ctx, int* n) {
  const std::string_view raw = ctx.params[1];
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), *n);
  if (ec == std::errc() && end == raw.data() + raw.size() && *n >= 1) return true;
  ctx.Fail(
      {ErrorKind::kMalformed,
       "delivery number must be a positive integer such as 1 (see GET /jobs/{id}/deliveries)"});
  return false;
}

// InvalidArgument from DeliveryService here means the id is not a UUID: a malformed path, 400.
void FailWith(RequestContext& ctx, const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument)
    return ctx.Fail({ErrorKind::kMalformed, s.message()});
  ctx.Fail(ErrorFromStatus(s));
}

void List(RequestContext& ctx) {
  const std::string id(ctx.params[0]);
  const auto list = ctx.deliveries.Deliveries(id);
  if (!list.ok()) return FailWith(ctx, list.status());
  AppendDeliveryListJson(id, *list, &ctx.response.body);
}

void Redeliver(RequestContext& ctx) {
  const std::string id(ctx.params[0]);
  int n = 0;
  if (!DeliveryNumber(ctx, &n)) return;
  const auto d = ctx.deliveries.Redeliver(id, n);
  if (!d.ok()) return FailWith(ctx, d.status());
  ctx.response.status = 202;
  ctx.response.location = "/api/v1/jobs/" + id + "/deliveries";
  ctx.response.body = DeliveryToJson(*d);
}

}  // namespace

std::string DeliveryToJson(const WebhookDelivery& d) {
  std::string out;
  JsonWriter w(&out);
  WriteDelivery(w, d);
  return out;
}

void AppendDeliveryListJson(const std::string& job_id, const std::vector<WebhookDelivery>& list,
                            std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Key("job_id").String(job_id).Key("deliveries").BeginArray();
  for (const WebhookDelivery& d : list) WriteDelivery(w, d);
  w.EndArray().EndObject();
}

void RegisterDeliveryRoutes(Router& router) {
  using boost::beast::http::verb;
  router.Add(verb::get, "/jobs/{id}/deliveries", {.sync = &List, .access = Access::kJobsRead});
  router.Add(verb::post, "/jobs/{id}/deliveries/{n}/redeliver", {.sync = &Redeliver, .access = Access::kJobsManage});
}

}  // namespace conveyor::api
