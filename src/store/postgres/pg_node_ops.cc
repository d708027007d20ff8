// Nodes: one row per process sharing the store, upserted by its heartbeat.
#include "store/postgres/pg_node_ops.h"

#include "store/postgres/pg_delivery_queries.h"
#include "store/store_rows.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;

Status NodeHeartbeat(PgConnection& c, const NodeInfo& n) {
  auto r = c.Exec(q::kNodeUpsert, {n.name, n.role, PgInt(n.started_at), PgInt(n.last_seen_at),
                                   PgInt(n.running_jobs), std::string(n.leader ? "t" : "f")});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<NodeInfo>> NodeList(PgConnection& c) {
  auto r = c.Exec(q::kNodeList);
  if (!r.ok()) return r.status();
  std::vector<NodeInfo> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadNode(PgRow(*r, i)));
  return out;
}

}  // namespace conveyor::pg_ops
