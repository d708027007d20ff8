// The nodes-table operations of SqliteStore (sqlite_node_ops.cc): the heartbeat upsert and the
// list the admin API shows.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

Status NodeHeartbeat(SqliteConnection& c, const NodeInfo& info);
Result<std::vector<NodeInfo>> NodeList(SqliteConnection& c);

}  // namespace conveyor::sqlite_ops
