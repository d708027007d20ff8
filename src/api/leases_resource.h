// Leases resource: POST /leases, how an external worker takes jobs (docs/api.md, "Worker
// routes"). A long poll: the answer comes as soon as at least one job could be leased, or after
// wait_s with an empty list. Waiting holds no thread: the session coroutine sleeps on a timer
// that ExternalLeases' wake-ups (a submit, a retry) cut short; a re-check every
// kLeaseRecheck covers what no wake-up announces (scheduled jobs coming due, rescued jobs, jobs
// submitted through another node). Stateless; safe on any io thread.
#pragma once

#include <chrono>

#include "api/router.h"

namespace conveyor::api {

inline constexpr std::chrono::milliseconds kLeaseRecheck{500};

void RegisterLeaseRoutes(Router& router);

}  // namespace conveyor::api
