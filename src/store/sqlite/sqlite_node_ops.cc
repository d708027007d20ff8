// Nodes: one row per process sharing the store, upserted by its heartbeat.
#include "store/sqlite/sqlite_node_ops.h"

#include "store/sqlite/sqlite_queries.h"
#include "store/store_rows.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;

Status NodeHeartbeat(SqliteConnection& c, const NodeInfo& info) {
  auto st = c.Prepare(q::kNodeUpsert);
  if (!st.ok()) return st.status();
  st->BindText(1, info.name);
  st->BindText(2, info.role);
  st->BindInt(3, info.started_at);
  st->BindInt(4, info.last_seen_at);
  st->BindInt(5, info.running_jobs);
  st->BindInt(6, info.leader ? 1 : 0);
  return st->Run();
}

Result<std::vector<NodeInfo>> NodeList(SqliteConnection& c) {
  auto st = c.Prepare(q::kNodeList);
  if (!st.ok()) return st.status();
  std::vector<NodeInfo> nodes;
  Status s = st->ForEachRow([&](const SqliteStatement& row) { nodes.push_back(ReadNode(row)); });
  if (!s.ok()) return s;
  return nodes;
}

}  // namespace conveyor::sqlite_ops
