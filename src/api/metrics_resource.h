// Metrics resource: GET /metrics in the Prometheus text format (version 0.0.4), on the main API
// and on a worker node's --admin-listen address. Gauges: jobs by state (one store count query),
// busy and configured local workers; counters since this process started:
// jobs submitted here, attempts completed and failed by local and external workers, jobs leased
// to external workers; and how long the state count took (a cheap store latency probe).
// Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterMetricsRoutes(Router& router);

}  // namespace conveyor::api
