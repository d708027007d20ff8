#include "api/dashboard_resource.h"

#include <string>

#include "api/docs_resource.h"
#include "api/request_context.h"
#include "api/web_assets.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

// Scripts, styles, images and connections to this origin only; no framing (clickjacking), no
// plugins, no <base> or form posts elsewhere. uPlot sets element styles from script, which
// style-src 'self' allows (only inline <style>/style="" text would need 'unsafe-inline').
constexpr std::string_view kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
// Files are revalidated each time (cheap with the ETag): they change with the binary and their
// names carry no version. uPlot's are pinned with the binary too, so the same rule holds.
constexpr std::string_view kCache = "no-cache";

void Serve(RequestContext& ctx, const std::string& name) {
  const WebAsset* asset = FindWebAsset("dashboard/" + name);
  if (asset == nullptr) {
    return ctx.Fail({ErrorKind::kRouteNotFound, "no file /dashboard/" + name.substr(0, 80)});
  }
  ctx.response.content_security_policy = kPolicy;
  ServeWebAsset(ctx, *asset, kCache);
}

// "/dashboard" and "/dashboard/" reach this route alike (the router drops a trailing slash), but
// the page's relative URLs need the slash: without it, redirect there.
void Page(RequestContext& ctx) {
  const std::string_view target(ctx.request.target().data(), ctx.request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (!path.ends_with('/')) {
    ctx.response.status = 308;
    ctx.response.location = std::string(path) + "/";
    return;
  }
  Serve(ctx, "index.html");
}

void File(RequestContext& ctx) { Serve(ctx, std::string(ctx.params[0])); }
void View(RequestContext& ctx) { Serve(ctx, "views/" + std::string(ctx.params[0])); }
void Asset(RequestContext& ctx) { Serve(ctx, "assets/" + std::string(ctx.params[0])); }

}  // namespace

void RegisterDashboardRoutes(Router& router) {
  router.Add(http::verb::get, "/dashboard", {.sync = &Page, .access = Access::kPublic});
  router.Add(http::verb::get, "/dashboard/views/{name}", {.sync = &View, .access = Access::kPublic});
  router.Add(http::verb::get, "/dashboard/assets/{name}", {.sync = &Asset, .access = Access::kPublic});
  router.Add(http::verb::get, "/dashboard/{name}", {.sync = &File, .access = Access::kPublic});
}

}  // namespace conveyor::api
