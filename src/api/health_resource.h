// Health resource: GET /health (the process answers; the cheapest route, the HTTP ceiling),
// GET /ready (the store can accept a job: its recent writes succeeded; answered from memory) and
// GET /admin/stats (jobs per state and type, recent failures, worker counters: the store reads run
// on a helper thread; api/stats_json.h has the body).
// Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterHealthRoutes(Router& router);

}  // namespace conveyor::api
