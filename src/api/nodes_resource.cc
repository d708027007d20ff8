#include "api/nodes_resource.h"

#include "api/json_writer.h"
#include "api/request_context.h"
#include "core/clock.h"
#include "runtime/maintenance/node_registry.h"

namespace conveyor::api {
namespace {

void WriteNode(JsonWriter& w, const NodeInfo& n, TimeMs now) {
  w.BeginObject()
      .Key("name").String(n.name)
      .Key("role").String(n.role)
      .Key("started_at").Time(n.started_at)
      .Key("last_seen_at").Time(n.last_seen_at)
      .Key("running_jobs").Int(n.running_jobs)
      .Key("leader").Bool(n.leader)
      .Key("alive").Bool(NodeRegistry::IsAlive(n, now))
      .EndObject();
}

void List(RequestContext& ctx) {
  const auto nodes = ctx.nodes.List();
  if (!nodes.ok()) return ctx.Fail(ErrorFromStatus(nodes.status()));
  const TimeMs now = SystemClock::Default()->NowMs();
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("nodes").BeginArray();
  for (const NodeInfo& n : *nodes) WriteNode(w, n, now);
  w.EndArray().EndObject();
}

}  // namespace

void RegisterNodeRoutes(Router& router) {
  router.Add(boost::beast::http::verb::get, "/nodes", {.sync = &List, .access = Access::kAdmin});
}

}  // namespace conveyor::api
