// Schedules resource: cron schedules whose every tick submits one job (docs/scheduling.md).
//   POST   /schedules         {name, cron, timezone?, job, paused?, catch_up?} → 201 (409 in use)
//   GET    /schedules         ?limit=1..1000&cursor=<name> → {schedules, next_cursor}
//   GET    /schedules/{name}  the schedule and `next_runs`: its next 5 ticks, UTC and local
//   PATCH  /schedules/{name}  any of {cron, timezone, job, paused, catch_up}
//   DELETE /schedules/{name}  stops it; jobs already made stay
// Every store call runs on ExternalLeases' helper threads (AsyncStoreCall), never on the I/O
// thread. Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterScheduleRoutes(Router& router);

}  // namespace conveyor::api
