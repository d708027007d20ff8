// GET /stats/history?minutes=60: this node's job transitions per minute (observability/
// job_history.h) — the dashboard's throughput and failure-rate charts.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterHistoryRoutes(Router& router);

}  // namespace conveyor::api
