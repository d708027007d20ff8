// POST /jobs/bulk: cancel or retry many jobs in one request — the dashboard's bulk actions and
// the dead-letter view's "retry this group" (docs/api.md, "Bulk actions").
#pragma once

#include "api/router.h"

namespace conveyor::api {

// Registers POST /jobs/bulk. Call before RegisterJobRoutes' /jobs/{id} patterns would match it.
void RegisterBulkRoutes(Router& router);

}  // namespace conveyor::api
