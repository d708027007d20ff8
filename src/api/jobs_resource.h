// Jobs resource: the /jobs routes (submit, batch, get, status, result, events, list, cancel,
// retry). Each handler parses the request, calls JobService once, and serialises the answer;
// no business rules live here. Stateless; the handlers are safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterJobRoutes(Router& router);

}  // namespace conveyor::api
