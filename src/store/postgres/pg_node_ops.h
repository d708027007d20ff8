// The nodes-table operations of PostgresStore (pg_node_ops.cc): the heartbeat upsert and the
// list the admin API shows.
//
// Thread-safety: none of their own; the connection's holder serialises use.
#pragma once

#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace conveyor::pg_ops {

Status NodeHeartbeat(PgConnection& c, const NodeInfo& info);
Result<std::vector<NodeInfo>> NodeList(PgConnection& c);

}  // namespace conveyor::pg_ops
