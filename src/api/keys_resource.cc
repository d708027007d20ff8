#include "api/keys_resource.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/json_writer.h"
#include "api/queue_request.h"
#include "api/request_context.h"
#include "api/store_awaitable.h"
#include "api/worker_routes_body.h"
#include "runtime/auth/key_ring.h"
#include "runtime/auth/tenants.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

ApiError Invalid(std::string detail) { return {ErrorKind::kInvalidField, std::move(detail)}; }

bool Served(RequestContext& ctx) {
  if (ctx.keys != nullptr) return true;
  ctx.Fail({ErrorKind::kUnavailable, "this node does not manage API keys"});
  return false;
}

// A list given as a JSON array of strings or one comma-separated string.
std::optional<ApiError> ReadList(const json::object& o, std::string_view key, std::string* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) {
    out->assign(v->get_string());
    return std::nullopt;
  }
  if (!v->is_array() || v->get_array().size() > 100) {
    return Invalid(std::string(key) + " must be an array of at most 100 strings");
  }
  for (const json::value& item : v->get_array()) {
    if (!item.is_string()) return Invalid(std::string(key) + " must hold strings only");
    if (!out->empty()) *out += ',';
    *out += item.get_string();
  }
  return std::nullopt;
}

// "100/minute" (queue_request.h's syntax), or null / absent: the server's default.
std::optional<ApiError> ReadRate(const json::object& o, std::string_view key,
                                 std::optional<RateLimit>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) *out = ParseRate(std::string_view(v->get_string()));
  if (!*out) {
    return Invalid(std::string(key) +
                   " must be a rate such as \"100/second\" or \"1000/minute\" (at least 1 per "
                   "period of 1 ms to 7 days), or null for the server's default");
  }
  return std::nullopt;
}

std::optional<ApiError> ParseNewKey(std::string_view body, auth::NewKeySpec* spec) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return ApiError{ErrorKind::kMalformed, "the body is not valid JSON: " + ec.message()};
  if (!root.is_object()) {
    return Invalid(R"(the body must be a JSON object such as {"name": "ci", "scopes": ["jobs:submit"]})");
  }
  const json::object& o = root.get_object();
  for (const auto& field : o) {
    const std::string_view k = field.key();
    if (k != "name" && k != "scopes" && k != "job_types" && k != "expires_in" && k != "rate" &&
        k != "jobs_rate" && k != "tenant") {
      return Invalid(std::string(k) + " is not a key field (name, scopes, job_types, expires_in, "
                                      "rate, jobs_rate, tenant)");
    }
  }
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string()) return Invalid("name must be a string");
  spec->name = std::string(name->get_string());
  if (auto e = ReadList(o, "scopes", &spec->scopes)) return e;
  if (spec->scopes.empty()) return Invalid("scopes must name at least one scope");
  if (auto e = ReadList(o, "job_types", &spec->job_types)) return e;
  if (const json::value* v = o.if_contains("expires_in"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return Invalid("expires_in must be a duration such as \"30d\"");
    spec->expires_in = std::string(v->get_string());
  }
  if (const json::value* v = o.if_contains("tenant"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return Invalid("tenant must be a tenant's name (see GET /tenants)");
    spec->tenant = std::string(v->get_string());
  }
  if (auto e = ReadRate(o, "rate", &spec->rate)) return e;
  return ReadRate(o, "jobs_rate", &spec->jobs_rate);
}

ApiError ErrorOf(const Status& s) {
  // The table's limit is a conflict with what is stored, not a rate: 409, not 429.
  if (s.code() == StatusCode::kResourceExhausted) return {ErrorKind::kConflict, s.message()};
  return ErrorFromStatus(s);
}

// "a,b" as ["a", "b"].
void WriteList(JsonWriter& w, std::string_view csv) {
  w.BeginArray();
  while (!csv.empty()) {
    const size_t comma = csv.find(',');
    w.String(csv.substr(0, comma));
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
  }
  w.EndArray();
}

void WriteKey(JsonWriter& w, const ApiKeyRow& k, TimeMs now, const std::string* text = nullptr) {
  w.BeginObject().Key("name").String(k.name).Key("id").String(k.id);
  if (text != nullptr) w.Key("key").String(*text);
  w.Key("scopes");
  WriteList(w, k.scopes);
  w.Key("job_types");  // empty: every type
  WriteList(w, k.job_types);
  w.Key("state").String(auth::KeyState(k, now))
      .Key("created_at").Time(k.created_at)
      .Key("expires_at").OptTime(k.expires_at)
      .Key("revoked_at").OptTime(k.revoked_at)
      .Key("last_used_at").OptTime(k.last_used_at);
  w.Key("rate");
  k.rate ? w.String(RateText(*k.rate)) : w.Null();
  w.Key("jobs_rate");
  k.jobs_rate ? w.String(RateText(*k.jobs_rate)) : w.Null();
  w.Key("tenant").OptString(k.tenant);
  w.EndObject();
}

awaitable<void> Create(RequestContext& ctx) {
  if (!Served(ctx) || !RequireJsonBody(ctx)) co_return;
  auth::NewKeySpec spec;
  if (auto e = ParseNewKey(ctx.request.body(), &spec)) co_return ctx.Fail(*e);
  auth::KeyRing& keys = *ctx.keys;
  const auto created = co_await AsyncStoreCall<Result<auth::CreatedKey>>(
      ctx.leases, [&] { return keys.Create(spec); }, use_awaitable);
  if (!created.ok() && created.status().code() == StatusCode::kNotFound) {  // its tenant
    co_return ctx.Fail(Invalid("tenant: " + created.status().message() +
                               "; create it first with PUT /api/v1/tenants/{name}"));
  }
  if (!created.ok()) co_return ctx.Fail(ErrorOf(created.status()));
  ctx.response.status = 201;
  ctx.response.location = "/api/v1/keys/" + created->row.name;
  JsonWriter w(&ctx.response.body);
  WriteKey(w, created->row, keys.Now(), &created->key);
}

awaitable<void> List(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  auth::KeyRing& keys = *ctx.keys;
  const auto rows = co_await AsyncStoreCall<Result<std::vector<ApiKeyRow>>>(
      ctx.leases, [&] { return keys.List(); }, use_awaitable);
  if (!rows.ok()) co_return ctx.Fail(ErrorOf(rows.status()));
  const TimeMs now = keys.Now();
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("keys").BeginArray();
  for (const ApiKeyRow& k : *rows) WriteKey(w, k, now);
  w.EndArray().EndObject();
}

awaitable<void> Revoke(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  auth::KeyRing& keys = *ctx.keys;
  const std::string name(ctx.params[0]);
  const auto row = co_await AsyncStoreCall<Result<ApiKeyRow>>(
      ctx.leases, [&] { return keys.Revoke(name); }, use_awaitable);
  if (!row.ok()) co_return ctx.Fail(ErrorOf(row.status()));
  JsonWriter w(&ctx.response.body);
  WriteKey(w, *row, keys.Now());
}

void WriteTenant(JsonWriter& w, const TenantRow& t) {
  w.BeginObject().Key("name").String(t.name).Key("plan").String(t.plan);
  w.Key("queue").String(auth::PlanQueue(t.plan));
  w.Key("created_at").Time(t.created_at).Key("updated_at").Time(t.updated_at).EndObject();
}

awaitable<void> ListTenants(RequestContext& ctx) {
  if (!Served(ctx)) co_return;
  auth::KeyRing& keys = *ctx.keys;
  const auto rows = co_await AsyncStoreCall<Result<std::vector<TenantRow>>>(
      ctx.leases, [&] { return keys.Tenants(); }, use_awaitable);
  if (!rows.ok()) co_return ctx.Fail(ErrorOf(rows.status()));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("tenants").BeginArray();
  for (const TenantRow& t : *rows) WriteTenant(w, t);
  w.EndArray().EndObject();
}

// PUT /tenants/{name} {"plan": "pro"}: creates the tenant or moves it to another plan.
awaitable<void> PutTenant(RequestContext& ctx) {
  if (!Served(ctx) || !RequireJsonBody(ctx)) co_return;
  boost::system::error_code ec;
  const json::value root = json::parse(ctx.request.body(), ec);
  if (ec) co_return ctx.Fail({ErrorKind::kMalformed, "the body is not valid JSON: " + ec.message()});
  const json::object* o = root.if_object();
  const json::value* plan = o != nullptr ? o->if_contains("plan") : nullptr;
  if (plan == nullptr || !plan->is_string() || o->size() != 1) {
    co_return ctx.Fail(Invalid(R"(the body must be {"plan": P} with P one of )" +
                               std::string(auth::kPlanList)));
  }
  auth::KeyRing& keys = *ctx.keys;
  const std::string name(ctx.params[0]);
  const std::string plan_name(plan->get_string());
  const auto row = co_await AsyncStoreCall<Result<TenantRow>>(
      ctx.leases, [&] { return keys.SetTenant(name, plan_name); }, use_awaitable);
  if (!row.ok()) co_return ctx.Fail(ErrorOf(row.status()));
  JsonWriter w(&ctx.response.body);
  WriteTenant(w, *row);
}

}  // namespace

void RegisterKeyRoutes(Router& router) {
  using boost::beast::http::verb;
  router.Add(verb::post, "/keys", {.async = &Create, .access = Access::kAdmin});
  router.Add(verb::get, "/keys", {.async = &List, .access = Access::kAdmin});
  router.Add(verb::delete_, "/keys/{name}", {.async = &Revoke, .access = Access::kAdmin});
  router.Add(verb::get, "/tenants", {.async = &ListTenants, .access = Access::kAdmin});
  router.Add(verb::put, "/tenants/{name}", {.async = &PutTenant, .access = Access::kAdmin});
}

}  // namespace conveyor::api
