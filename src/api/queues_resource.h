// Queues and rate limits over HTTP (docs/scheduling.md):
//   GET    /queues                     every queue: settings, depth per state, running, oldest
//                                      waiting age, finished in the last minute
//   GET    /queues/{name}
//   PATCH  /queues/{name}              {weight, concurrency_limit, paused, max_attempts,
//                                      timeout_s, rate_limit}; creates the queue when absent
//   POST   /queues/{name}/pause|resume
//   GET    /rate-limits                every rate limit with its current window
//   PUT    /rate-limits/{type}         {"rate": "100/minute"}: starts of a job type
//   DELETE /rate-limits/{type}
// Store calls run on ExternalLeases' helper threads, never on the io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterQueueRoutes(Router& router);

}  // namespace conveyor::api
