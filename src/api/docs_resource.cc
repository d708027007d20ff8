#include "api/docs_resource.h"

#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "api/openapi_document.h"
#include "api/request_context.h"
#include "api/web_assets.h"
#include "handlers/handler_registry.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

// The pages change with the binary only; the bundles' names carry no version, so a page is
// revalidated each time (cheap with the ETag) while the bundles are kept.
constexpr std::string_view kPageCache = "no-cache";
constexpr std::string_view kAssetCache = "public, max-age=31536000, immutable";

// True when If-None-Match names `etag` (a list, or "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // weak comparison (RFC 9110 §13.1.2)
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

void Serve(RequestContext& ctx, const WebAsset* asset, std::string_view cache_control) {
  if (asset == nullptr) {
    return ctx.Fail({ErrorKind::kRouteNotFound,
                     "no asset " + std::string(ctx.params[0]) + " under /docs/assets"});
  }
  ServeWebAsset(ctx, *asset, cache_control);
}

void SwaggerUi(RequestContext& ctx) { Serve(ctx, FindWebAsset("docs.html"), kPageCache); }
void Redoc(RequestContext& ctx) { Serve(ctx, FindWebAsset("redoc.html"), kPageCache); }

void Asset(RequestContext& ctx) {
  Serve(ctx, FindWebAsset("assets/" + std::string(ctx.params[0])), kAssetCache);
}

// The document is a function of the handler registry, which is fixed once a node is built, so
// it is built once (an ~80 KB parse and serialize) rather than per request of a public route.
// Keyed by the registry and its names, so a test's next registry at a reused address is not
// served the last one's document.
std::shared_ptr<const std::string> CachedOpenApiDocument(const HandlerRegistry& handlers) {
  static std::mutex mu;
  static const HandlerRegistry* cached_for = nullptr;
  static std::string cached_names;
  static std::shared_ptr<const std::string> cached;
  std::string names;
  for (const std::string& n : handlers.Names()) names.append(n).push_back(',');
  std::lock_guard lock(mu);
  if (cached == nullptr || cached_for != &handlers || cached_names != names) {
    cached = std::make_shared<const std::string>(OpenApiDocument(handlers));
    cached_for = &handlers;
    cached_names = std::move(names);
  }
  return cached;
}

void OpenApi(RequestContext& ctx) {
  ctx.response.body = *CachedOpenApiDocument(ctx.leases.types().handlers());
}

void Types(RequestContext& ctx) {
  const boost::json::object body{{"types", JobTypesJson(ctx.leases.types().handlers())}};
  ctx.response.body = boost::json::serialize(body);
}

}  // namespace

void ServeWebAsset(RequestContext& ctx, const WebAsset& asset, std::string_view cache_control) {
  ctx.response.etag = asset.etag;
  ctx.response.cache_control = cache_control;
  const auto header = ctx.request[http::field::if_none_match];
  if (Matches(std::string_view(header.data(), header.size()), asset.etag)) {
    ctx.response.status = 304;
    return;
  }
  ctx.response.content_type = asset.content_type;
  ctx.response.static_body = asset.data;
}

void RegisterDocsRoutes(Router& router) {
  router.Add(http::verb::get, "/openapi.json", {.sync = &OpenApi, .access = Access::kPublic});
  router.Add(http::verb::get, "/docs", {.sync = &SwaggerUi, .access = Access::kPublic});
  router.Add(http::verb::get, "/redoc", {.sync = &Redoc, .access = Access::kPublic});
  router.Add(http::verb::get, "/docs/assets/{name}", {.sync = &Asset, .access = Access::kPublic});
  router.Add(http::verb::get, "/types", {.sync = &Types, .access = Access::kJobsRead});
}

}  // namespace conveyor::api
