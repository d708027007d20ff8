// Nodes resource: GET /nodes, the Conveyor processes sharing this store (docs/api.md) with their
// role, heartbeat times, running jobs, leadership and a computed `alive` (seen within three
// heartbeats). Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterNodeRoutes(Router& router);

}  // namespace conveyor::api
