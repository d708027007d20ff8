// Metrics resource: GET /metrics in the Prometheus text format (version 0.0.4), on the main API
// and on a worker node's --admin-listen address: one body with what this scrape reads — jobs by
// state and seed 002's jobs_pending_count / jobs_processing_count (one store count), per-queue
// depth, running and oldest waiting age (QueueService's shared scan, at most one a second),
// worker_up and the local workers, the external-lease counters — followed by the process's
// registry (observability/metrics.h: seed 002's job counters and histograms, HTTP, webhooks,
// store commits). The store reads run off the io thread. docs/operations.md lists every name.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterMetricsRoutes(Router& router);

}  // namespace conveyor::api
